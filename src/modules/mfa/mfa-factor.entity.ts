import { Column, Entity, Index } from 'typeorm';
import { BaseEntity } from '../../database/base.entity';

/**
 * The second factor of one user or superuser. `organizationId` is the user's organization, or
 * `platform` for a superuser; MfaFactorsRepository scopes every query by it. Secrets are
 * sealed (SecretBox) and, like the recovery code hashes, read only when asked for by name.
 */
@Entity({ name: 'mfa_factors' })
@Index('uq_mfa_factors_owner', ['organizationId', 'userId'], { unique: true })
export class MfaFactor extends BaseEntity {
  @Column({ name: 'organization_id', type: 'varchar', length: 36, update: false })
  organizationId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36, update: false })
  userId!: string;

  /** The active TOTP secret; null until a setup is confirmed. */
  @Column({ type: 'varchar', length: 255, nullable: true, select: false })
  secret!: string | null;

  /** A secret from setup, not yet proven by a code. */
  @Column({ name: 'pending_secret', type: 'varchar', length: 255, nullable: true, select: false })
  pendingSecret!: string | null;

  @Column({ name: 'enabled_at', type: 'datetime', precision: 3, nullable: true })
  enabledAt!: Date | null;

  /** The last TOTP time step accepted: a code of this step or an earlier one is refused. */
  @Column({ name: 'last_used_step', type: 'integer', nullable: true })
  lastUsedStep!: number | null;

  /** SHA-256 hashes of the unused recovery codes. */
  @Column({ name: 'recovery_codes', type: 'simple-json', nullable: true, select: false })
  recoveryCodes!: string[] | null;

  /** Goes up with every change of the recovery codes, which are only written if it did not move. */
  @Column({ type: 'integer', default: 0 })
  version!: number;
}
