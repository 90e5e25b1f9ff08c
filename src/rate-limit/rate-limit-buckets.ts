import { rateLimitClient } from '../security/client-address';
import type { Buckets } from './gcra';
import { RateLimitKeys } from './rate-limit-keys';
import type { BucketPolicy, GeneralPolicies } from './rate-policy';

/**
 * The buckets of a request that acts for an organization: its client within the tenant, the
 * tenant, and the API key when one is used. Policies that are off are left out.
 */
export function tenantBuckets(
  policies: GeneralPolicies,
  organizationId: string,
  ip: string | undefined,
  apiKeyId?: string,
): Buckets {
  const keys: string[] = [];
  const used: BucketPolicy[] = [];
  if (policies.ip) {
    keys.push(RateLimitKeys.ipInTenant(organizationId, rateLimitClient(ip ?? 'unknown')));
    used.push(policies.ip);
  }
  if (policies.tenant) {
    keys.push(RateLimitKeys.tenant(organizationId));
    used.push(policies.tenant);
  }
  if (apiKeyId !== undefined && policies.apiKey) {
    keys.push(RateLimitKeys.apiKey(organizationId, apiKeyId));
    used.push(policies.apiKey);
  }
  return { keys, policies: used };
}
