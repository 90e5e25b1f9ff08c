/**
 * The CHECK_ACCESS call of a tenant access token, as the API makes it on every authenticated
 * request: the bare server (bare-server.ts) runs it per request, the saturation step
 * (saturation.ts) drives Redis with it.
 */
import type { AppConfig } from '../src/config/app-config';
import { SessionKeys } from '../src/modules/sessions/session-keys';

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
): { keys: string[]; args: (string | number)[] } {
  const prefix = config.redis.keyPrefix;
  const { sub, sid, jti, organizationId } = claims;
  return {
    keys: [
      prefix + SessionKeys.blacklist(organizationId, jti),
      prefix + SessionKeys.session(organizationId, sid),
      prefix + SessionKeys.sessionCache(organizationId, sub),
      prefix + SessionKeys.identityVersion(organizationId, sub),
    ],
    // Tenant tokens only (typ access), as the benchmarked routes are tenant routes.
    args: [
      Math.round(config.auth.sessionCacheTtlSeconds * 1000),
      sub,
      organizationId,
      'tenant',
      now,
      (config.jwt.sessionIdleTimeoutSeconds ?? 0) * 1000,
    ],
  };
}
