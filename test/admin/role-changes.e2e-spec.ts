import { type ApiResponse, me, PASSWORD, request } from '../support/api-client';
import { createRole, createTenant, createUser, logIn, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

describe('role and status changes apply on the next request', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  const expectForbidden = (result: ApiResponse, what: string) =>
    expect({
      what,
      status: result.status,
      error: result.body.error,
    }).toEqual({ what, status: 403, error: 'FORBIDDEN' });

  it('a role change applies on the very next request, down and up', async () => {
    const org = await createTenant(t);
    const staff = await createUser(t, org, ['staff']);
    const product = () => ({
      name: 'Next request',
      sku: `NEXT-${Math.random().toString(36).slice(2, 10)}`,
      price: '1.00',
    });
    expect(
      (await request(t, 'POST', '/api/products', { token: staff.token, body: product() })).status,
    ).toBe(201);

    expect(
      (
        await request(t, 'PATCH', `/api/users/${staff.id}`, {
          token: org.owner.token,
          body: { roles: ['client'] },
        })
      ).status,
    ).toBe(200);
    expectForbidden(
      await request(t, 'POST', '/api/products', { token: staff.token, body: product() }),
      'staff demoted to client creates a product',
    );
    expect((await request(t, 'GET', '/api/products', { token: staff.token })).status).toBe(200);

    expect(
      (
        await request(t, 'PATCH', `/api/users/${staff.id}`, {
          token: org.owner.token,
          body: { roles: ['staff'] },
        })
      ).status,
    ).toBe(200);
    expect(
      (await request(t, 'POST', '/api/products', { token: staff.token, body: product() })).status,
    ).toBe(201);

    // No roles at all: nothing but what any authenticated user may do.
    expect(
      (
        await request(t, 'PATCH', `/api/users/${staff.id}`, {
          token: org.owner.token,
          body: { roles: [] },
        })
      ).status,
    ).toBe(200);
    expectForbidden(
      await request(t, 'GET', '/api/products', { token: staff.token }),
      'a user without roles lists products',
    );
    expect((await request(t, 'GET', '/api/users/me', { token: staff.token })).status).toBe(200);
  });

  it("a change to a role's permissions applies to its holders on the very next request", async () => {
    const org = await createTenant(t);
    const role = await createRole(t, org, ['products.read', 'products.create']);
    const holder = await createUser(t, org, [role.name]);
    const body = () => ({
      name: 'Role edit',
      sku: `EDIT-${Math.random().toString(36).slice(2, 10)}`,
      price: '2.00',
    });
    expect(
      (await request(t, 'POST', '/api/products', { token: holder.token, body: body() })).status,
    ).toBe(201);
    expect(
      (
        await request(t, 'PATCH', `/api/roles/${role.id}`, {
          token: org.owner.token,
          body: { permissions: ['products.read'] },
        })
      ).status,
    ).toBe(200);
    expectForbidden(
      await request(t, 'POST', '/api/products', { token: holder.token, body: body() }),
      'after the role lost products.create',
    );
  });

  it('disabling or deleting a user ends their token on the very next request', async () => {
    const org = await createTenant(t);
    const disabled = await createUser(t, org, ['staff']);
    const deleted = await createUser(t, org, ['staff']);
    for (const account of [disabled, deleted])
      expect((await request(t, 'GET', '/api/products', { token: account.token })).status).toBe(200);

    expect(
      (
        await request(t, 'PATCH', `/api/users/${disabled.id}`, {
          token: org.owner.token,
          body: { status: 'disabled' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await request(t, 'DELETE', `/api/users/${deleted.id}`, { token: org.owner.token })).status,
    ).toBe(200);
    for (const account of [disabled, deleted]) {
      for (const [method, path] of [
        ['GET', '/api/auth/me'],
        ['GET', '/api/products'],
      ]) {
        const result = await request(t, method, path, { token: account.token });
        expect({
          method,
          path,
          status: result.status,
          error: result.body.error,
        }).toEqual({ method, path, status: 401, error: 'UNAUTHORIZED' });
      }
      const again = await request(t, 'POST', '/api/auth/login', {
        body: { email: account.email, password: PASSWORD },
        headers: { 'x-tenant-id': org.subdomain },
      });
      expect(again.status).toBe(401);
    }

    // Enabled again: the old token stays dead (its sessions ended), a new login works.
    expect(
      (
        await request(t, 'PATCH', `/api/users/${disabled.id}`, {
          token: org.owner.token,
          body: { status: 'active' },
        })
      ).status,
    ).toBe(200);
    expect((await me(t, disabled.token)).status).toBe(401);
    const fresh = await logIn(t, disabled);
    expect((await me(t, fresh.token)).status).toBe(200);
  });
});
