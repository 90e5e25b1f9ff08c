import { Column, Entity, Index } from 'typeorm';
import { BINARY_COLLATION } from '../../database/collation';
import { type CanonicalEmail, MAX_EMAIL_LENGTH } from '../../security/email';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';

export const ACCOUNT_TOKEN_PURPOSES = [
  'invitation',
  'verify-email',
  'reset-password',
  'change-email',
] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/** A single-use token of one purpose and one organization; the token itself is never stored. */
@Entity({ name: 'account_tokens' })
@Index('uq_account_tokens_hash', ['tokenHash'], { unique: true })
@Index('idx_account_tokens_organization_user', ['organizationId', 'userId', 'purpose'])
@Index('idx_account_tokens_organization_invitation', ['organizationId', 'invitationId', 'purpose'])
export class AccountToken extends TenantScopedEntity {
  @Column({ type: 'varchar', length: 32 })
  purpose!: AccountTokenPurpose;

  /** SHA-256 of the token, lower-case hex. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @Column({ name: 'invitation_id', type: 'varchar', length: 36, nullable: true })
  invitationId!: string | null;

  /** The address the token was sent to (for change-email: the new address). */
  @Column({ type: 'varchar', length: MAX_EMAIL_LENGTH, collation: BINARY_COLLATION })
  email!: CanonicalEmail;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  /** Set when the token was consumed or revoked; a token with it set never works again. */
  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt!: Date | null;
}
