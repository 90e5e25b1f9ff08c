import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  bearer,
  json,
  login,
  newSubdomain,
  post,
  PASSWORD,
  register,
  type AuthData,
  type Registered,
} from './support/auth';
import { startTestApp, type TestApp } from './support/test-app';

interface RawResponse {
  status: number;
  body: { success: boolean; error?: string; data?: unknown; [key: string]: unknown };
}

/** fetch() cannot set Host; node:http can, which is how a tenant subdomain reaches the API. */
function withHost(
  t: TestApp,
  host: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(t.baseUrl + path);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        headers: {
          host,
          ...(payload
            ? {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(payload)),
              }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RawResponse['body'],
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('tenant resolution for authentication', () => {
  let t: TestApp;
  let acme: Registered;
  let globex: Registered;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '1000' } });
    acme = await register(t);
    globex = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a login that names no organization with 400 TENANT_REQUIRED', async () => {
    const response = await post(t, '/api/auth/login', {
      email: acme.email,
      password: acme.password,
    });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      success: false,
      error: 'TENANT_REQUIRED',
      statusCode: 400,
    });
  });

  it('refuses an unknown X-Tenant-ID (subdomain or id) with 404 TENANT_NOT_FOUND', async () => {
    for (const tenant of ['no-such-org', randomUUID()]) {
      const response = await login(t, tenant, acme.email, acme.password);
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ error: 'TENANT_NOT_FOUND', statusCode: 404 });
    }
  });

  it('resolves the tenant from X-Tenant-ID by id or subdomain, case-insensitively', async () => {
    for (const tenant of [
      acme.organization.id,
      acme.organization.subdomain,
      acme.organization.subdomain.toUpperCase(),
    ]) {
      const response = await login(t, tenant, acme.email, acme.password);
      expect(response.status).toBe(200);
      expect((await json<AuthData>(response)).data.organization.id).toBe(acme.organization.id);
    }
  });

  it('resolves the tenant from the Host subdomain (TENANT_BASE_DOMAIN=localhost)', async () => {
    const port = new URL(t.baseUrl).port;
    const response = await withHost(
      t,
      `${acme.organization.subdomain}.localhost:${port}`,
      'POST',
      '/api/auth/login',
      {
        email: acme.email,
        password: acme.password,
      },
    );
    expect(response.status).toBe(200);
    expect((response.body.data as AuthData).organization.id).toBe(acme.organization.id);

    const unknown = await withHost(t, `no-such-org.localhost:${port}`, 'POST', '/api/auth/login', {
      email: acme.email,
      password: acme.password,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('TENANT_NOT_FOUND');

    // The user of another organization cannot sign in through this one's subdomain.
    const elsewhere = await withHost(
      t,
      `${globex.organization.subdomain}.localhost:${port}`,
      'POST',
      '/api/auth/login',
      {
        email: acme.email,
        password: acme.password,
      },
    );
    expect(elsewhere.status).toBe(401);
  });

  it('refuses a valid token together with a tenant hint naming another organization: 403 TENANT_MISMATCH', async () => {
    for (const tenant of [globex.organization.id, globex.organization.subdomain]) {
      const response = await t.request('/api/auth/me', {
        headers: bearer(acme.tokens.accessToken, { 'x-tenant-id': tenant }),
      });
      expect(response.status).toBe(403);
      expect(await json(response)).toMatchObject({
        success: false,
        error: 'TENANT_MISMATCH',
        statusCode: 403,
      });
    }
    const port = new URL(t.baseUrl).port;
    const viaHost = await withHost(
      t,
      `${globex.organization.subdomain}.localhost:${port}`,
      'GET',
      '/api/auth/me',
      undefined,
      bearer(acme.tokens.accessToken),
    );
    expect(viaHost.status).toBe(403);
    expect(viaHost.body.error).toBe('TENANT_MISMATCH');
  });

  it('refuses a valid token with a hint naming no organization: 404', async () => {
    const response = await t.request('/api/auth/me', {
      headers: bearer(acme.tokens.accessToken, { 'x-tenant-id': 'no-such-org' }),
    });
    expect(response.status).toBe(404);
    expect((await json(response)).error).toBe('TENANT_NOT_FOUND');
  });

  it('accepts a valid token with a hint naming its own organization by id or subdomain', async () => {
    for (const tenant of [acme.organization.id, acme.organization.subdomain]) {
      const response = await t.request('/api/auth/me', {
        headers: bearer(acme.tokens.accessToken, { 'x-tenant-id': tenant }),
      });
      expect(response.status).toBe(200);
      expect((await json<AuthData>(response)).data.organization.id).toBe(acme.organization.id);
    }
    const port = new URL(t.baseUrl).port;
    const viaHost = await withHost(
      t,
      `${acme.organization.subdomain}.localhost:${port}`,
      'GET',
      '/api/auth/me',
      undefined,
      bearer(acme.tokens.accessToken),
    );
    expect(viaHost.status).toBe(200);
  });

  it('treats the same email in two organizations as two independent users', async () => {
    const email = `shared-${newSubdomain('u')}@example.test`;
    const passwords = { first: 'First-org-pass-9431', second: 'Second-org-pass-2718' };
    const created: Record<'first' | 'second', AuthData> = {} as Record<
      'first' | 'second',
      AuthData
    >;
    for (const which of ['first', 'second'] as const) {
      const subdomain = newSubdomain(which);
      const response = await post(t, '/api/auth/register', {
        organization: { name: `Org ${subdomain}`, subdomain },
        email,
        password: passwords[which],
        firstName: 'Same',
        lastName: 'Person',
      });
      expect(response.status).toBe(201);
      created[which] = (await json<AuthData>(response)).data;
    }
    const { first, second } = created;
    expect(first.user.id).not.toBe(second.user.id);
    expect(first.organization.id).not.toBe(second.organization.id);
    expect(first.user.email).toBe(second.user.email);

    const signIn = async (org: AuthData, password: string) =>
      login(t, org.organization.subdomain, email, password);
    const firstOk = await signIn(first, passwords.first);
    expect(firstOk.status).toBe(200);
    expect((await json<AuthData>(firstOk)).data.user.id).toBe(first.user.id);
    const secondOk = await signIn(second, passwords.second);
    expect(secondOk.status).toBe(200);
    expect((await json<AuthData>(secondOk)).data.user.id).toBe(second.user.id);
    expect((await signIn(first, passwords.second)).status).toBe(401);
    expect((await signIn(second, passwords.first)).status).toBe(401);
  });

  it('normalizes the email at login (case and surrounding spaces)', async () => {
    const response = await login(
      t,
      acme.organization.subdomain,
      `  ${acme.email.toUpperCase()} `,
      PASSWORD,
    );
    expect(response.status).toBe(200);
    expect((await json<AuthData>(response)).data.user.id).toBe(acme.user.id);
  });
});
