/**
 * A rate-limit policy as the RateLimit-Policy header names it: `"<name>";q=<limit>;w=<window s>`.
 * The general policies (ip, tenant, api-key) are GCRA buckets; the auth limiters (login,
 * password reset, invitations, account mail) keep their fixed windows and only share the name
 * and the headers.
 */
export interface RatePolicy {
  /** A short, bounded name: metrics label rejections with it. */
  readonly name: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

/** A GCRA policy (rate-limit/gcra.ts): `limit` requests at once, then one every `intervalUs`. */
export interface BucketPolicy extends RatePolicy {
  /** window / limit, in whole microseconds. */
  readonly intervalUs: number;
  /** limit x interval: the window, give or take half a microsecond per request. */
  readonly capacityUs: number;
  /** The RateLimit-Policy header value, built once. */
  readonly header: string;
}

export type GeneralPolicyName = 'ip' | 'tenant' | 'api-key';

export function policyHeader(policy: RatePolicy): string {
  return `"${policy.name}";q=${policy.limit};w=${policy.windowSeconds}`;
}

/** A bucket policy, or null when its limit is 0 (off). */
export function bucketPolicy(
  name: GeneralPolicyName,
  limit: number,
  windowSeconds: number,
): BucketPolicy | null {
  if (limit === 0) return null;
  const intervalUs = Math.max(1, Math.round((windowSeconds * 1_000_000) / limit));
  const policy = { name, limit, windowSeconds, intervalUs, capacityUs: limit * intervalUs };
  return { ...policy, header: policyHeader(policy) };
}

/** The general policies, null for those that are off (RATE_LIMIT_* = 0). */
export interface GeneralPolicies {
  ip: BucketPolicy | null;
  tenant: BucketPolicy | null;
  apiKey: BucketPolicy | null;
}
