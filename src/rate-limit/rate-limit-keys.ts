/**
 * The key-value keys of the general rate limits (under REDIS_KEY_PREFIX). Every bucket of a
 * tenant's request carries the organization's hash tag, so it shares a Redis Cluster slot with
 * the session keys of the same script; the anonymous bucket's tag is the client itself.
 * `client` is an IPv4 address or an IPv6 /64 (rateLimitClient).
 */
export const RateLimitKeys = {
  tenant: (organizationId: string) => `org:{${organizationId}}:rl:tenant`,
  ipInTenant: (organizationId: string, client: string) => `org:{${organizationId}}:rl:ip:${client}`,
  apiKey: (organizationId: string, apiKeyId: string) =>
    `org:{${organizationId}}:rl:api-key:${apiKeyId}`,
  anonymousIp: (client: string) => `rl:ip:{${client}}`,
};
