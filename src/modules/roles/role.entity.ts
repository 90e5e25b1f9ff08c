import { Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';

@Entity({ name: 'roles' })
@Index('uq_roles_organization_name', ['organizationId', 'name'], { unique: true })
export class Role extends TenantScopedEntity {
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  description!: string | null;

  /** Dotted permission codes from src/security/permissions.ts. */
  @Column({ type: 'simple-json' })
  permissions!: string[];

  /** admin, staff and client exist in every organization and cannot be renamed or deleted. */
  @Column({ name: 'is_built_in', type: 'boolean', default: false })
  isBuiltIn!: boolean;

  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'varchar', length: 36, nullable: true })
  updatedBy!: string | null;
}
