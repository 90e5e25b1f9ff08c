import { ApiProperty } from '@nestjs/swagger';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { PRICE_MAX_LENGTH, PRICE_PATTERN } from '../price';
import { PRODUCT_STATUSES, type ProductStatus } from '../product.entity';
import type { ProductPageRow } from '../products.repository';

/** What leaves the server for a product; the entity itself never does. */
export class ProductResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiUuidProperty() organizationId!: string;
  @ApiProperty({ maxLength: 255, example: 'Anvil, 50 kg' }) name!: string;
  @ApiProperty({ maxLength: 50, example: 'ACME-0001' }) sku!: string;
  /** Exact decimal with two decimals, as a string */
  @ApiProperty({ pattern: PRICE_PATTERN.source, maxLength: PRICE_MAX_LENGTH, example: '149.99' })
  price!: string;
  @ApiProperty({ type: String, maxLength: 5000 }) description!: string | null;
  @ApiProperty({ enum: PRODUCT_STATUSES }) status!: ProductStatus;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty() updatedAt!: string;
  @ApiUuidProperty({ description: 'The user who created it' }) createdBy!: string | null;
  @ApiUuidProperty({ description: 'The user who changed it last' }) updatedBy!: string | null;

  static from(product: ProductPageRow): ProductResponseDto {
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
