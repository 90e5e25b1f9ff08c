import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { ApiKeyPrincipal } from '../../context/request-context';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import { LOGGER } from '../../logging/logger';
import { ApiKeyAuthenticator } from '../../security/api-key-authenticator';
import { API_KEY_PERMISSIONS } from '../../security/permissions';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import type { ApiKey } from './api-key.entity';
import { ApiKeySecrets, parseApiKey } from './api-key-secrets';
import { ApiKeysRepository } from './api-keys.repository';

/** The rate limit's fixed window, and the most often last_used_at is written per key. */
const WINDOW_SECONDS = 60;

/**
 * The key-value keys of API keys (under REDIS_KEY_PREFIX), in their organization's Redis Cluster
 * slot as every key of a tenant's requests; docs/authentication.md lists them.
 */
export const ApiKeyKeys = {
  rate: (organizationId: string, apiKeyId: string) =>
    `org:{${organizationId}}:api-key:${apiKeyId}:rate`,
  used: (organizationId: string, apiKeyId: string) =>
    `org:{${organizationId}}:api-key:${apiKeyId}:used`,
};

export function isLive(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: Date): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
}

/**
 * Authenticates API keys for the access guard. Nothing is cached: every request reads the
 * key's row and its organization from the database, so a revocation, an expiry or a
 * suspension holds on the next request on every instance, with no cache to invalidate.
 */
@Injectable()
export class ApiKeyAuthenticatorService extends ApiKeyAuthenticator {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly secrets: ApiKeySecrets,
    private readonly organizations: OrganizationsRepository,
    private readonly transactions: TransactionRunner,
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async authenticate(presented: string): Promise<ApiKeyPrincipal | null> {
    const parsed = parseApiKey(presented);
    // A key of the other environment (a test key on production) is no key here.
    const usable = parsed?.environment === this.secrets.environment ? parsed : null;
    const row = usable ? await this.keys.findForAuthentication(usable.publicId) : null;
    // The same HMAC and comparison whether or not the public id exists.
    const matches = this.secrets.matches(usable?.secret ?? '', row?.secretHmac ?? null);
    if (!row || !matches || !isLive(row, new Date())) return null;
    const organization = await this.organizations.findById(row.organizationId);
    if (organization?.status !== 'active') return null;
    return {
      kind: 'api_key',
      userId: null,
      apiKeyId: row.id,
      apiKeyName: row.name,
      organizationId: organization.id,
      organization: {
        id: organization.id,
        name: organization.name,
        subdomain: organization.subdomain,
        status: organization.status,
        mfaRequired: organization.mfaRequired,
      },
      // Creation refuses the rest; filtering again keeps a hand-edited row from reaching further.
      permissions: row.permissions.filter((code) =>
        (API_KEY_PERMISSIONS as readonly string[]).includes(code),
      ),
    };
  }

  async admit(principal: ApiKeyPrincipal): Promise<void> {
    const { organizationId, apiKeyId } = principal;
    const { value, ttlSeconds } = await this.kv.increment(
      ApiKeyKeys.rate(organizationId, apiKeyId),
      WINDOW_SECONDS,
    );
    if (value > this.config.apiKeys.rateLimitPerMinute)
      throw new AppException(
        HttpStatus.TOO_MANY_REQUESTS,
        ErrorCode.TOO_MANY_REQUESTS,
        'This API key made too many requests; try again later',
        undefined,
        { 'retry-after': String(Math.max(1, Math.ceil(ttlSeconds))) },
      );
    if (await this.kv.setIfAbsent(ApiKeyKeys.used(organizationId, apiKeyId), '1', WINDOW_SECONDS))
      this.recordUse(apiKeyId);
  }

  /** Off the request path: the answer does not wait for this write, and a failure only leaves the time older. */
  private recordUse(apiKeyId: string): void {
    const at = new Date();
    void this.transactions
      .run((manager) => this.keys.transactional(manager).markUsed(apiKeyId, at))
      .catch((error: unknown) =>
        this.logger.warn({ err: error, apiKeyId }, 'could not record the use of an API key'),
      );
  }
}
