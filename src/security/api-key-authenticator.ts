import type { ApiKeyPrincipal } from '../context/request-context';

/** Every API key starts so; a bearer credential that does is a key, never a JWT. */
export const API_KEY_PREFIX = 'sk_';

const BEARER_API_KEY = /^bearer\s+(sk_\S*)\s*$/i;

/**
 * The port the access guard authenticates API keys through. Security is infrastructure and
 * cannot depend on the api-keys feature, which provides it (ApiKeysModule).
 */
export abstract class ApiKeyAuthenticator {
  /**
   * The key's principal, or null for a malformed, unknown, wrong, revoked or expired key and
   * for a key of a suspended organization. Spends the same secret comparison in every case.
   */
  abstract authenticate(presented: string): Promise<ApiKeyPrincipal | null>;

  /**
   * Counts the request in its rate-limit buckets (client in the tenant, tenant, key; 429
   * TOO_MANY_REQUESTS when one refuses) and notes the use, in one round trip. Runs once the
   * key's organization is the request's tenant.
   */
  abstract admit(principal: ApiKeyPrincipal): Promise<void>;
}

/**
 * The API key a request presents: `X-API-Key: sk_...`, or `Authorization: Bearer sk_...`.
 * Undefined when it presents none (a JWT, or nothing); null when it presents a key in a way
 * that cannot be trusted (a repeated X-API-Key, or X-API-Key beside an Authorization header).
 */
export function presentedApiKey(
  headers: Record<string, string | string[] | undefined>,
): string | null | undefined {
  const header = headers['x-api-key'];
  const authorization = headers.authorization;
  if (header !== undefined) {
    if (typeof header !== 'string' || authorization !== undefined) return null;
    return header.trim();
  }
  if (typeof authorization !== 'string') return undefined;
  return BEARER_API_KEY.exec(authorization)?.[1];
}
