import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../http/pagination.dto';
import { PRODUCT_STATUSES, type ProductStatus } from '../product.entity';
import { PRODUCT_SORT_FIELDS, type ProductSortField } from '../products.repository';
import { IsPrice } from './price.validator';

/**
 * page (>= 1), limit (1-100) and order come from PageQueryDto, converted from the query
 * string's text by @Type. Prices stay strings: they are compared as decimals in SQL.
 */
export class ListProductsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PRODUCT_SORT_FIELDS, default: 'createdAt' })
  @IsOptional()
  @IsIn(PRODUCT_SORT_FIELDS)
  sort: ProductSortField = 'createdAt';

  @ApiPropertyOptional({
    maxLength: 100,
    description:
      'Case-insensitive substring of the name or the SKU; %, _ and quotes match themselves',
    example: '100% cotton',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @ApiPropertyOptional({
    type: String,
    example: '10.00',
    description: 'Lowest price, inclusive (exact decimal string)',
  })
  @IsOptional()
  @IsPrice()
  minPrice?: string;

  @ApiPropertyOptional({
    type: String,
    example: '99.99',
    description: 'Highest price, inclusive (exact decimal string)',
  })
  @IsOptional()
  @IsPrice()
  maxPrice?: string;
}
