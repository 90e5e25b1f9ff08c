import { Column, Entity } from 'typeorm';
import { BaseEntity } from '../../database/base.entity';
import { BINARY_COLLATION } from '../../database/collation';
import { type CanonicalEmail, MAX_EMAIL_LENGTH } from '../../security/email';

/** Platform operators: they stand outside every tenant and only reach `@PlatformOnly()` routes. */
@Entity({ name: 'superusers' })
export class Superuser extends BaseEntity {
  /** Canonical (security/email.ts), compared byte for byte on every backend: binary collation on MySQL. */
  @Column({
    type: 'varchar',
    length: MAX_EMAIL_LENGTH,
    unique: true,
    collation: BINARY_COLLATION,
  })
  email!: CanonicalEmail;

  @Column({ name: 'password_hash', type: 'varchar', length: 60, select: false })
  passwordHash!: string;

  /** When two-factor authentication was turned on; null while it is off (modules/mfa). */
  @Column({ name: 'mfa_enabled_at', type: 'datetime', precision: 3, nullable: true })
  mfaEnabledAt!: Date | null;

  @Column({ name: 'last_login_at', type: 'datetime', precision: 3, nullable: true })
  lastLoginAt!: Date | null;
}
