/**
 * The CHECK_ACCESS call of a tenant access token, as the API makes it on every authenticated
 * request: the bare server (bare-server.ts) runs it per request, with the client's and the
 * tenant's rate-limit buckets as the API counts them; the saturation step (saturation.ts)
 * drives Redis with the session part alone, since redis-benchmark repeats one fixed `now`.
 */
import type { AppConfig } from '../src/config/app-config';
import { SessionKeys } from '../src/modules/sessions/session-keys';
import { bucketArgs } from '../src/rate-limit/gcra';
import type { BucketPolicy } from '../src/rate-limit/rate-policy';
import { tenantBuckets } from '../src/rate-limit/rate-limit-buckets';

export interface TenantAccessClaims {
  sub: string;
  sid: string;
  jti: string;
  organizationId: string;
}

export function checkAccessCall(
  config: AppConfig,
  claims: TenantAccessClaims,
  now: number,
  client?: { ip: string },
): { keys: string[]; args: (string | number)[]; policies: readonly BucketPolicy[] } {
  const prefix = config.redis.keyPrefix;
  const { sub, sid, jti, organizationId } = claims;
  const buckets = client
    ? tenantBuckets(config.rateLimits, organizationId, client.ip)
    : { keys: [], policies: [] };
  return {
    keys: [
      prefix + SessionKeys.blacklist(organizationId, jti),
      prefix + SessionKeys.session(organizationId, sid),
      prefix + SessionKeys.sessionCache(organizationId, sub),
      prefix + SessionKeys.identityVersion(organizationId, sub),
      ...buckets.keys.map((bucket) => prefix + bucket),
    ],
    // Tenant tokens only (typ access), as the benchmarked routes are tenant routes.
    args: [
      Math.round(config.auth.sessionCacheTtlSeconds * 1000),
      sub,
      organizationId,
      'tenant',
      now,
      (config.jwt.sessionIdleTimeoutSeconds ?? 0) * 1000,
      ...bucketArgs(buckets.policies),
    ],
    policies: buckets.policies,
  };
}
