import createClient from 'openapi-fetch';
import type { paths } from './openapi';

export interface Login {
  /** The organization's subdomain or id. */
  tenant: string;
  email: string;
  password: string;
}

/**
 * What a typed consumer of the API writes: sign in, then read the first page of products.
 * Compiled against the generated types, so a contract change that breaks it fails the build.
 */
export async function listProductSkus(baseUrl: string, login: Login): Promise<string[]> {
  const api = createClient<paths>({ baseUrl });
  const signedIn = await api.POST('/api/auth/login', {
    params: { header: { 'X-Tenant-ID': login.tenant } },
    body: { email: login.email, password: login.password, refreshTokenInBody: true },
  });
  if (!signedIn.data) throw new Error(`login failed: ${signedIn.error.error}`);
  const answer = signedIn.data.data;
  // With two-factor authentication on, the password step answers a challenge instead of tokens.
  if ('mfaRequired' in answer)
    throw new Error('a second factor is needed: POST /api/auth/mfa/verify with answer.mfaToken');

  const page = await api.GET('/api/products', {
    params: { query: { limit: 10, sort: 'sku', order: 'asc' } },
    headers: { Authorization: `Bearer ${answer.tokens.accessToken}` },
  });
  if (!page.data) throw new Error(`listing failed: ${page.error.error}`);
  return page.data.data.map((product) => product.sku);
}
