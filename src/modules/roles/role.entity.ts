import { BeforeInsert, BeforeUpdate, Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';
import { roleNameKey } from './role-name';

@Entity({ name: 'roles' })
@Index('uq_roles_organization_name_key', ['organizationId', 'nameKey'], { unique: true })
export class Role extends TenantScopedEntity {
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  /** roleNameKey(name), kept in step by the hooks below: what uniqueness and lookups compare. */
  @Column({ name: 'name_key', type: 'varchar', length: 64 })
  nameKey!: string;

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

  @BeforeInsert()
  @BeforeUpdate()
  protected keyName(): void {
    this.nameKey = roleNameKey(this.name);
  }
}
