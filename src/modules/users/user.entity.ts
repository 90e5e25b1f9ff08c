import { Column, Entity, Index, JoinTable, ManyToMany } from 'typeorm';
import { BINARY_COLLATION } from '../../database/collation';
import { type CanonicalEmail, MAX_EMAIL_LENGTH } from '../../security/email';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';
import { Role } from '../roles/role.entity';

export type UserStatus = 'active' | 'disabled';

@Entity({ name: 'users' })
@Index('uq_users_organization_email', ['organizationId', 'email'], { unique: true })
export class User extends TenantScopedEntity {
  /** Canonical (security/email.ts), compared byte for byte on every backend: binary collation on MySQL. */
  @Column({ type: 'varchar', length: MAX_EMAIL_LENGTH, collation: BINARY_COLLATION })
  email!: CanonicalEmail;

  @Column({ name: 'password_hash', type: 'varchar', length: 60, select: false })
  passwordHash!: string;

  @Column({ name: 'first_name', type: 'varchar', length: 100 })
  firstName!: string;

  @Column({ name: 'last_name', type: 'varchar', length: 100 })
  lastName!: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: UserStatus;

  /** When the user proved they read mail at `email`; null until then. */
  @Column({ name: 'email_verified_at', type: 'datetime', precision: 3, nullable: true })
  emailVerifiedAt!: Date | null;

  /** When two-factor authentication was turned on; null while it is off (modules/mfa). */
  @Column({ name: 'mfa_enabled_at', type: 'datetime', precision: 3, nullable: true })
  mfaEnabledAt!: Date | null;

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
