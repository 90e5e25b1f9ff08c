import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { PRICE_MAX_LENGTH, PRICE_PATTERN } from '../price';
import { PRODUCT_STATUSES, type ProductStatus } from '../product.entity';
import { IsPrice } from './price.validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** SKUs are stored upper-case, so uniqueness is the same on MySQL (case-insensitive) and SQLite. */
const skuForm = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;

/**
 * What a client may set on a product. Only these fields: organizationId, id, timestamps and
 * actors are not declared, so the global ValidationPipe refuses them (forbidNonWhitelisted).
 * No property initializers: UpdateProductDto inherits them, and a default here would
 * overwrite the stored value on every PATCH that leaves the field out.
 */
export class CreateProductDto {
  /**
   * Trimmed
   * @example 'Organic cotton T-shirt'
   */
  @Transform(trim)
  @IsString()
  @Length(3, 255)
  name!: string;

  /**
   * Trimmed and upper-cased; unique within the organization
   * @example 'TSHIRT-ORG-M'
   */
  @Transform(skuForm)
  @IsString()
  @Length(5, 50)
  sku!: string;

  @ApiProperty({
    type: String,
    example: '19.99',
    pattern: PRICE_PATTERN.source,
    maxLength: PRICE_MAX_LENGTH,
    description:
      'An exact decimal of at least 0 with at most 2 decimals, as a JSON string. JSON numbers are refused (they lose precision).',
  })
  @IsPrice()
  price!: string;

  /** @example 'Soft, breathable, made to last.' */
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string | null;

  @ApiProperty({ enum: PRODUCT_STATUSES, default: 'active' })
  // May be left out, but not null: IsOptional would let null through to a NOT NULL column.
  @ValidateIf((_dto: object, value: unknown) => value !== undefined)
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;
}
