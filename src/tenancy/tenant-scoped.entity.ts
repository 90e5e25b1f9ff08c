import { Column, Index } from 'typeorm';
import { BaseEntity } from '../database/base.entity';

/**
 * Base of every table that belongs to one organization. The column is set from the tenant
 * context on insert and never changes afterwards (TenantScopedRepository enforces both).
 */
export abstract class TenantScopedEntity extends BaseEntity {
  @Index()
  @Column({ name: 'organization_id', type: 'varchar', length: 36, update: false })
  organizationId!: string;
}
