import { Column, Entity, Index, JoinTable, ManyToMany } from 'typeorm';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';
import { Role } from '../roles/role.entity';

export type UserStatus = 'active' | 'disabled';

@Entity({ name: 'users' })
@Index('uq_users_organization_email', ['organizationId', 'email'], { unique: true })
export class User extends TenantScopedEntity {
  /** Normalized once on the way in: trimmed, NFKC, lower-cased. */
  @Column({ type: 'varchar', length: 320 })
  email!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 60, select: false })
  passwordHash!: string;

  @Column({ name: 'first_name', type: 'varchar', length: 100 })
  firstName!: string;

  @Column({ name: 'last_name', type: 'varchar', length: 100 })
  lastName!: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: UserStatus;

  @Column({ name: 'last_login_at', type: 'datetime', precision: 3, nullable: true })
  lastLoginAt!: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'varchar', length: 36, nullable: true })
  updatedBy!: string | null;

  @ManyToMany(() => Role)
  @JoinTable({
    name: 'user_roles',
    joinColumn: { name: 'user_id', referencedColumnName: 'id' },
    inverseJoinColumn: { name: 'role_id', referencedColumnName: 'id' },
  })
  roles!: Role[];
}
