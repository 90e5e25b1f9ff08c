import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
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
  @ApiProperty({
    example: 'Organic cotton T-shirt',
    minLength: 3,
    maxLength: 255,
    description: 'Trimmed',
  })
  @Transform(trim)
  @IsString()
  @Length(3, 255)
  name!: string;

  @ApiProperty({
    example: 'TSHIRT-ORG-M',
    minLength: 5,
    maxLength: 50,
    description: 'Trimmed and upper-cased; unique within the organization',
  })
  @Transform(skuForm)
  @IsString()
  @Length(5, 50)
  sku!: string;

  @ApiProperty({
    type: String,
    example: '19.99',
    pattern: '^\\d{1,10}(\\.\\d{1,2})?$',
    description:
      'An exact decimal of at least 0 with at most 2 decimals, as a JSON string. JSON numbers are refused (they lose precision).',
  })
  @IsPrice()
  price!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 5000,
    example: 'Soft, breathable, made to last.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string | null;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, default: 'active' })
  // May be left out, but not null: IsOptional would let null through to a NOT NULL column.
  @ValidateIf((_dto: object, value: unknown) => value !== undefined)
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;
}
