import { Column, Entity, Index } from 'typeorm';
import { TenantScopedEntity } from '../../tenancy/tenant-scoped.entity';

export const MAX_API_KEY_NAME_LENGTH = 100;

/**
 * An organization's API key. The key itself is never stored: `secret_hmac` is the HMAC-SHA256
 * of its secret under API_KEY_PEPPER, read only by authentication (names match
 * migrations/1796176041874-CreateApiKeys.ts).
 */
@Entity({ name: 'api_keys' })
@Index('uq_api_keys_public_id', ['publicId'], { unique: true })
@Index('idx_api_keys_organization_created', ['organizationId', 'createdAt'])
export class ApiKey extends TenantScopedEntity {
  /** The key's lookup handle, the `<publicId>` of `sk_<env>_<publicId>_<secret>`: not a secret. */
  @Column({ name: 'public_id', type: 'varchar', length: 24 })
  publicId!: string;

  @Column({ type: 'varchar', length: MAX_API_KEY_NAME_LENGTH })
  name!: string;

  /** HMAC-SHA256 of the secret, lower-case hex; never selected unless asked for. */
  @Column({ name: 'secret_hmac', type: 'varchar', length: 64, select: false })
  secretHmac!: string;

  /** The only permissions the key's requests have, fixed at creation. */
  @Column({ type: 'simple-json' })
  permissions!: string[];

  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true })
  createdBy!: string | null;

  /** Written at most once a minute per key (ApiKeyAuthenticatorService.admit). */
  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  /** Null: the key does not expire. */
  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt!: Date | null;

  /** Set once, by DELETE /api/api-keys/:id; a revoked key never works again. */
  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
