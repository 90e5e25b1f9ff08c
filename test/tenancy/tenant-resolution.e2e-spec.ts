import { randomUUID } from 'node:crypto';
import {
  type AuthData,
  bearer,
  login,
  newSubdomain,
  PASSWORD,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

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
    const response = await request(t, 'POST', '/api/auth/login', {
      body: {
        email: acme.email,
        password: acme.password,
      },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      success: false,
      error: 'TENANT_REQUIRED',
      statusCode: 400,
    });
  });

  it('refuses an unknown X-Tenant-ID (subdomain or id) with 404 TENANT_NOT_FOUND', async () => {
    for (const tenant of ['no-such-org', randomUUID()]) {
      const response = await login(t, tenant, acme.email, acme.password);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ error: 'TENANT_NOT_FOUND', statusCode: 404 });
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
      expect(response.json<AuthData>().data.organization.id).toBe(acme.organization.id);
    }
  });

  it('resolves the tenant from the Host subdomain (TENANT_BASE_DOMAIN=localhost)', async () => {
    const response = await request(t, 'POST', '/api/auth/login', {
      host: `${acme.organization.subdomain}.localhost`,
      body: {
        email: acme.email,
        password: acme.password,
      },
    });
    expect(response.status).toBe(200);
    expect((response.body.data as AuthData).organization.id).toBe(acme.organization.id);

    const unknown = await request(t, 'POST', '/api/auth/login', {
      host: `no-such-org.localhost`,
      body: {
        email: acme.email,
        password: acme.password,
      },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('TENANT_NOT_FOUND');

    // The user of another organization cannot sign in through this one's subdomain.
    const elsewhere = await request(t, 'POST', '/api/auth/login', {
      host: `${globex.organization.subdomain}.localhost`,
      body: {
        email: acme.email,
        password: acme.password,
      },
    });
    expect(elsewhere.status).toBe(401);
  });

  it('refuses a valid token together with a tenant hint naming another organization: 403 TENANT_MISMATCH', async () => {
    for (const tenant of [globex.organization.id, globex.organization.subdomain]) {
      const response = await request(t, 'GET', '/api/auth/me', {
        headers: bearer(acme.tokens.accessToken, { 'x-tenant-id': tenant }),
      });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({
        success: false,
        error: 'TENANT_MISMATCH',
        statusCode: 403,
      });
    }
    const viaHost = await request(t, 'GET', '/api/auth/me', {
      host: `${globex.organization.subdomain}.localhost`,
      headers: bearer(acme.tokens.accessToken),
    });
    expect(viaHost.status).toBe(403);
    expect(viaHost.body.error).toBe('TENANT_MISMATCH');
  });

  it('refuses a valid token with a hint naming no organization: 404', async () => {
    const response = await request(t, 'GET', '/api/auth/me', {
      headers: bearer(acme.tokens.accessToken, { 'x-tenant-id': 'no-such-org' }),
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('TENANT_NOT_FOUND');
  });

  it('accepts a valid token with a hint naming its own organization by id or subdomain', async () => {
    for (const tenant of [acme.organization.id, acme.organization.subdomain]) {
      const response = await request(t, 'GET', '/api/auth/me', {
        headers: bearer(acme.tokens.accessToken, { 'x-tenant-id': tenant }),
      });
      expect(response.status).toBe(200);
      expect(response.json<AuthData>().data.organization.id).toBe(acme.organization.id);
    }
    const viaHost = await request(t, 'GET', '/api/auth/me', {
      host: `${acme.organization.subdomain}.localhost`,
      headers: bearer(acme.tokens.accessToken),
    });
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
      const response = await request(t, 'POST', '/api/auth/register', {
        body: {
          organization: { name: `Org ${subdomain}`, subdomain },
          email,
          password: passwords[which],
          firstName: 'Same',
          lastName: 'Person',
        },
      });
      expect(response.status).toBe(201);
      created[which] = response.json<AuthData>().data;
    }
    const { first, second } = created;
    expect(first.user.id).not.toBe(second.user.id);
    expect(first.organization.id).not.toBe(second.organization.id);
    expect(first.user.email).toBe(second.user.email);

    const signIn = async (org: AuthData, password: string) =>
      login(t, org.organization.subdomain, email, password);
    const firstOk = await signIn(first, passwords.first);
    expect(firstOk.status).toBe(200);
    expect(firstOk.json<AuthData>().data.user.id).toBe(first.user.id);
    const secondOk = await signIn(second, passwords.second);
    expect(secondOk.status).toBe(200);
    expect(secondOk.json<AuthData>().data.user.id).toBe(second.user.id);
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
    expect(response.json<AuthData>().data.user.id).toBe(acme.user.id);
  });
});
