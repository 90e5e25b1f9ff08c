import { type ApiResponse, me, PASSWORD, request } from '../support/api-client';
import { createRole, createTenant, createUser, type Tenant, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

describe('granting: nobody gives more than they hold', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  const userEmails = async (tenant: Tenant): Promise<string[]> => {
    const result = await request(t, 'GET', '/api/users?limit=100', { token: tenant.owner.token });
    return result.json<{ email: string }[]>().data.map((user) => user.email);
  };
  const roleNames = async (tenant: Tenant): Promise<Record<string, string[]>> => {
    const result = await request(t, 'GET', '/api/roles', { token: tenant.owner.token });
    return Object.fromEntries(
      result
        .json<{ name: string; permissions: string[] }[]>()
        .data.map((role) => [role.name, role.permissions]),
    );
  };
  const newUser = (roles: string[]) => ({
    email: `new-${Math.random().toString(36).slice(2, 9)}@example.test`,
    password: PASSWORD,
    firstName: 'New',
    lastName: 'User',
    roles,
  });
  const expectForbidden = (result: ApiResponse, what: string) =>
    expect({
      what,
      status: result.status,
      error: result.body.error,
    }).toEqual({ what, status: 403, error: 'FORBIDDEN' });

  it('a user who may create users cannot give them a role with permissions they do not hold', async () => {
    const org = await createTenant(t);
    const recruiterRole = await createRole(t, org, ['users.create', 'users.read']);
    const recruiter = await createUser(t, org, [recruiterRole.name]);
    const before = await userEmails(org);

    for (const roles of [['staff'], ['client'], ['admin'], [recruiterRole.name, 'client']]) {
      const attempt = newUser(roles);
      expectForbidden(
        await request(t, 'POST', '/api/users', { token: recruiter.token, body: attempt }),
        `create with ${roles.join('+')}`,
      );
    }
    expect(await userEmails(org)).toEqual(before);
    // What they hold, they may pass on.
    for (const roles of [[recruiterRole.name], []]) {
      const created = await request(t, 'POST', '/api/users', {
        token: recruiter.token,
        body: newUser(roles),
      });
      expect({ roles, status: created.status }).toEqual({ roles, status: 201 });
    }
  });

  it('a user who may manage roles cannot create or widen a role beyond their own permissions', async () => {
    const org = await createTenant(t);
    const smithRole = await createRole(t, org, ['roles.manage', 'users.read']);
    const other = await createRole(t, org, ['users.read']);
    const smith = await createUser(t, org, [smithRole.name]);
    const roleIds = Object.fromEntries(
      (
        (await request(t, 'GET', '/api/roles', { token: org.owner.token })).body as {
          data: { id: string; name: string }[];
        }
      ).data.map((role) => [role.name, role.id]),
    );
    const before = await roleNames(org);

    expectForbidden(
      await request(t, 'POST', '/api/roles', {
        token: smith.token,
        body: { name: 'reader', permissions: ['products.read'] },
      }),
      'create with products.read',
    );
    expectForbidden(
      await request(t, 'POST', '/api/roles', {
        token: smith.token,
        body: { name: 'auditor', permissions: ['users.read', 'audit.read'] },
      }),
      'create with audit.read',
    );
    expectForbidden(
      await request(t, 'PATCH', `/api/roles/${smithRole.id}`, {
        token: smith.token,
        body: { permissions: ['roles.manage', 'users.read', 'audit.read'] },
      }),
      'widen own role',
    );
    expectForbidden(
      await request(t, 'PATCH', `/api/roles/${other.id}`, {
        token: smith.token,
        body: { permissions: ['users.read', 'users.delete'] },
      }),
      'widen another role',
    );
    expectForbidden(
      await request(t, 'PATCH', `/api/roles/${roleIds.client}`, {
        token: smith.token,
        body: { permissions: ['products.read', 'products.create'] },
      }),
      'widen client',
    );
    expect(await roleNames(org)).toEqual(before);

    // Within their own permissions, they may.
    const created = await request(t, 'POST', '/api/roles', {
      token: smith.token,
      body: { name: 'user-reader', permissions: ['users.read'] },
    });
    expect(created.status).toBe(201);
    const widened = await request(t, 'PATCH', `/api/roles/${other.id}`, {
      token: smith.token,
      body: { permissions: ['users.read', 'roles.manage'] },
    });
    expect(widened.status).toBe(200);
  });

  it('a user who may update users cannot raise anyone, themselves included, above their own permissions', async () => {
    const org = await createTenant(t);
    const managerRole = await createRole(t, org, ['users.update', 'users.read']);
    const manager = await createUser(t, org, [managerRole.name]);
    const colleague = await createUser(t, org, ['client']);

    expectForbidden(
      await request(t, 'PATCH', `/api/users/${manager.id}`, {
        token: manager.token,
        body: { roles: ['admin'] },
      }),
      'self to admin',
    );
    expectForbidden(
      await request(t, 'PATCH', `/api/users/${manager.id}`, {
        token: manager.token,
        body: { roles: [managerRole.name, 'client'] },
      }),
      'self plus client',
    );
    expectForbidden(
      await request(t, 'PATCH', `/api/users/${colleague.id}`, {
        token: manager.token,
        body: { roles: ['staff'] },
      }),
      'colleague to staff',
    );
    const profile = await me(t, manager.token);
    expect(profile.body.data.user.roles).toEqual([managerRole.name]);
    // /users/me never changes roles or status, whoever asks.
    const viaMe = await request(t, 'PATCH', '/api/users/me', {
      token: manager.token,
      body: { roles: ['admin'] },
    });
    expect({ status: viaMe.status, error: viaMe.body.error }).toEqual({
      status: 400,
      error: 'VALIDATION_ERROR',
    });
  });
});
