import { ApiProperty } from '@nestjs/swagger';
import { PRODUCT_STATUSES, type Product, type ProductStatus } from '../product.entity';

/** What leaves the server for a product; the entity itself never does. */
export class ProductResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ example: 'Organic cotton T-shirt' }) name!: string;
  @ApiProperty({ example: 'TSHIRT-ORG-M' }) sku!: string;
  @ApiProperty({
    type: String,
    example: '19.99',
    description: 'Exact decimal with two decimals, as a string',
  })
  price!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: PRODUCT_STATUSES }) status!: ProductStatus;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The user who created it',
  })
  createdBy!: string | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The user who changed it last',
  })
  updatedBy!: string | null;

  static from(product: Product): ProductResponseDto {
    return {
      id: product.id,
      organizationId: product.organizationId,
      name: product.name,
      sku: product.sku,
      price: product.price,
      description: product.description,
      status: product.status,
      createdAt: product.createdAt.toISOString(),
      updatedAt: product.updatedAt.toISOString(),
      createdBy: product.createdBy,
      updatedBy: product.updatedBy,
    };
  }
}
