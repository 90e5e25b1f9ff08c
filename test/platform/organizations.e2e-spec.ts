import { me, request } from '../support/api-client';
import {
  type Account,
  createSuperuser,
  createTenant,
  logIn,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

/** The platform superuser stands outside tenants and suspends or reactivates them. */
describe('platform superuser', () => {
  let t: TestApp;
  let root: Account;
  let acme: Tenant;
  let globex: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    root = await createSuperuser(t);
    acme = await createTenant(t, 'acme');
    globex = await createTenant(t, 'globex');
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists every organization, paginated; tenant admins may not', async () => {
    const page = await request(t, 'GET', '/api/organizations?limit=100', { token: root.token });
    expect(page.status).toBe(200);
    const body = page.body as { data: { id: string }[]; pagination: { total: number } };
    const ids = body.data.map((organization) => organization.id);
    expect(ids).toEqual(expect.arrayContaining([acme.id, globex.id]));
    expect(body.pagination.total).toBeGreaterThanOrEqual(2);

    expect(
      (await request(t, 'GET', '/api/organizations', { token: acme.owner.token })).status,
    ).toBe(403);
    expect(
      (
        await request(t, 'PATCH', `/api/organizations/${globex.id}`, {
          token: acme.owner.token,
          body: { status: 'suspended' },
        })
      ).status,
    ).toBe(403);
  });

  it('cannot act inside an organization', async () => {
    for (const path of [
      '/api/users',
      '/api/products',
      '/api/roles',
      '/api/organizations/current',
      '/api/users/me',
    ]) {
      const response = await request(t, 'GET', path, { token: root.token });
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
    }
    expect((await me(t, root.token)).status).toBe(200);
  });

  it('suspending ends every session at once and blocks logins; reactivating lets users back in', async () => {
    const member = await logIn(t, acme.owner);
    expect((await request(t, 'GET', '/api/users', { token: member.token })).status).toBe(200);

    const suspended = await request(t, 'PATCH', `/api/organizations/${acme.id}`, {
      token: root.token,
      body: { status: 'suspended' },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.json<{ status: string }>().data.status).toBe('suspended');

    expect((await request(t, 'GET', '/api/users', { token: member.token })).status).toBe(401);
    expect((await me(t, acme.owner.token)).status).toBe(401);
    const refused = await request(t, 'POST', '/api/auth/login', {
      body: { email: acme.owner.email, password: acme.owner.password },
      headers: { 'x-tenant-id': acme.subdomain },
    });
    expect(refused.status).toBe(401);
    // The other tenant is untouched.
    expect((await request(t, 'GET', '/api/users', { token: globex.owner.token })).status).toBe(200);

    const reactivated = await request(t, 'PATCH', `/api/organizations/${acme.id}`, {
      token: root.token,
      body: { status: 'active' },
    });
    expect(reactivated.status).toBe(200);
    const back = await logIn(t, acme.owner);
    expect((await request(t, 'GET', '/api/users', { token: back.token })).status).toBe(200);
  });

  it('refuses an invalid status and an unknown organization', async () => {
    expect(
      (
        await request(t, 'PATCH', `/api/organizations/${acme.id}`, {
          token: root.token,
          body: { status: 'deleted' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await request(t, 'PATCH', '/api/organizations/00000000-0000-4000-8000-000000000000', {
          token: root.token,
          body: { status: 'active' },
        })
      ).status,
    ).toBe(404);
  });
});
