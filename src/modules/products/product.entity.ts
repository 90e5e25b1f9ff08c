import { Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';
import { priceTransformer } from './price';

export const PRODUCT_STATUSES = ['active', 'draft', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/**
 * The reference tenant-scoped resource. Every index starts with organization_id, so one
 * tenant's page, sort or filter reads only that tenant's slice of the index however large
 * the other tenants grow (names match migrations/1764172800000-CreateProducts.ts).
 */
@Entity({ name: 'products' })
@Index('uq_products_organization_sku', ['organizationId', 'sku'], { unique: true })
@Index('idx_products_organization_created', ['organizationId', 'createdAt'])
@Index('idx_products_organization_name', ['organizationId', 'name'])
@Index('idx_products_organization_price', ['organizationId', 'price'])
@Index('idx_products_organization_status', ['organizationId', 'status'])
export class Product extends TenantScopedEntity {
  @Column({ type: 'varchar', length: 255 })
  name!: string;

  /** Unique within the organization; the unique index, not a prior read, is what enforces it under concurrency. */
  @Column({ type: 'varchar', length: 50 })
  sku!: string;

  /** Exact: a two-decimal string such as "19.99" on both dialects (see priceTransformer). */
  @Column({ type: 'decimal', precision: 12, scale: 2, transformer: priceTransformer })
  price!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: ProductStatus;

  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'varchar', length: 36, nullable: true })
  updatedBy!: string | null;
}
