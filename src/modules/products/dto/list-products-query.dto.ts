import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../http/pagination.dto';
import { PRICE_MAX_LENGTH, PRICE_PATTERN } from '../price';
import { PRODUCT_STATUSES, type ProductStatus } from '../product.entity';
import { PRODUCT_SORT_FIELDS, type ProductSortField } from '../products.repository';
import { IsPrice } from './price.validator';

/** A price bound: no example, so "Try it out" sends no filter unless asked to. */
const priceBound = (description: string) =>
  ApiProperty({
    type: String,
    pattern: PRICE_PATTERN.source,
    maxLength: PRICE_MAX_LENGTH,
    description,
  });

/**
 * page (>= 1), limit (1-100) and order come from PageQueryDto, converted from the query
 * string's text by @Type. Prices stay strings: they are compared as decimals in SQL.
 * The filters carry no examples: Swagger UI would pre-fill them and list nothing.
 */
export class ListProductsQueryDto extends PageQueryDto {
  @ApiProperty({ enum: PRODUCT_SORT_FIELDS, required: false })
  @IsOptional()
  @IsIn(PRODUCT_SORT_FIELDS)
  sort: ProductSortField = 'createdAt';

  /** Case-insensitive substring of the name or the SKU; %, _ and quotes match themselves */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiProperty({ enum: PRODUCT_STATUSES })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @priceBound('Lowest price, inclusive (exact decimal string)')
  @IsOptional()
  @IsPrice()
  minPrice?: string;

  @priceBound('Highest price, inclusive (exact decimal string)')
  @IsOptional()
  @IsPrice()
  maxPrice?: string;
}
