import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PRODUCT_STATUSES, type ProductStatus } from '../product.entity';
import { PRODUCT_SORT_FIELDS, type ProductSortField } from '../products.repository';
import { IsPrice } from './price.validator';

/** Query parameters arrive as strings; @Type converts the numeric ones, prices stay strings. */
export class ListProductsQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ enum: PRODUCT_SORT_FIELDS, default: 'createdAt' })
  @IsOptional()
  @IsIn(PRODUCT_SORT_FIELDS)
  sort: ProductSortField = 'createdAt';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';

  @ApiPropertyOptional({
    maxLength: 100,
    description: 'Case-insensitive substring of the name or the SKU; %, _ and quotes match themselves',
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

  @ApiPropertyOptional({ type: String, example: '10.00', description: 'Lowest price, inclusive (exact decimal)' })
  @IsOptional()
  @IsPrice()
  minPrice?: string;

  @ApiPropertyOptional({ type: String, example: '99.99', description: 'Highest price, inclusive (exact decimal)' })
  @IsOptional()
  @IsPrice()
  maxPrice?: string;
}
