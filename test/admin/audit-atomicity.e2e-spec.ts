import { type ApiResponse, login, me, PASSWORD, request } from '../support/api-client';
import { failAuditInserts } from '../support/audit-probe';
import {
  type Account,
  createRole,
  createSuperuser,
  createTenant,
  createUser,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * When the audit row of an administrative change cannot be written, the change does not
 * happen either: the request fails (500) and everything reads as before, sessions included
 * (they are ended only after the commit).
 */
describe('an administrative change commits with its audit row, or not at all', () => {
  let t: TestApp;
  let org: Tenant;
  let root: Account;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    org = await createTenant(t);
    root = await createSuperuser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const read = async (path: string, token = org.owner.token): Promise<unknown> =>
    (await request(t, 'GET', path, { token })).body;
  const failed = (result: ApiResponse) =>
    expect({ status: result.status, error: result.body.error }).toEqual({
      status: 500,
      error: 'INTERNAL_ERROR',
    });

  /** Runs `change` while its audit action cannot be written, and checks it left no trace. */
  async function withoutAudit(
    action: string,
    observe: () => Promise<unknown>,
    change: () => Promise<ApiResponse>,
  ): Promise<void> {
    const before = await observe();
    const restore = await failAuditInserts(t, action);
    try {
      failed(await change());
    } finally {
      await restore();
    }
    expect(await observe()).toEqual(before);
  }

  it('creating a user', async () => {
    await withoutAudit(
      'user.created',
      () => read('/api/users?limit=100'),
      () =>
        request(t, 'POST', '/api/users', {
          token: org.owner.token,
          body: {
            email: `never@${org.subdomain}.test`,
            password: PASSWORD,
            firstName: 'Never',
            lastName: 'Created',
            roles: ['client'],
          },
        }),
    );
  });

  it('changing one’s own password: the old one still works, other sessions stay alive', async () => {
    const staff = await createUser(t, org, ['staff']);
    const other = await login(t, org.subdomain, staff.email, PASSWORD);
    const otherToken = other.json<{ tokens: { accessToken: string } }>().data.tokens.accessToken;
    await withoutAudit(
      'auth.password.changed',
      async () => (await login(t, org.subdomain, staff.email, PASSWORD)).status,
      () =>
        request(t, 'POST', '/api/auth/change-password', {
          token: staff.token,
          body: { currentPassword: PASSWORD, newPassword: 'A-fresh-and-long-pass' },
        }),
    );
    expect((await me(t, otherToken)).status).toBe(200);
  });

  it('disabling a user, whose session then stays alive', async () => {
    const staff = await createUser(t, org, ['staff']);
    await withoutAudit(
      'user.disabled',
      () => read(`/api/users/${staff.id}`),
      () =>
        request(t, 'PATCH', `/api/users/${staff.id}`, {
          token: org.owner.token,
          body: { status: 'disabled' },
        }),
    );
    expect((await me(t, staff.token)).status).toBe(200);
  });

  it('changing, creating and deleting roles', async () => {
    const role = await createRole(t, org, ['users.read']);
    await withoutAudit(
      'role.updated',
      () => read('/api/roles'),
      () =>
        request(t, 'PATCH', `/api/roles/${role.id}`, {
          token: org.owner.token,
          body: { name: 'renamed', permissions: ['users.read', 'products.read'] },
        }),
    );
    await withoutAudit(
      'role.created',
      () => read('/api/roles'),
      () =>
        request(t, 'POST', '/api/roles', {
          token: org.owner.token,
          body: { name: 'never-created', permissions: [] },
        }),
    );
    await withoutAudit(
      'role.deleted',
      () => read('/api/roles'),
      () => request(t, 'DELETE', `/api/roles/${role.id}`, { token: org.owner.token }),
    );
  });

  it('editing one’s own profile', async () => {
    await withoutAudit(
      'user.profile.updated',
      () => read('/api/users/me'),
      () =>
        request(t, 'PATCH', '/api/users/me', {
          token: org.owner.token,
          body: { firstName: 'Never' },
        }),
    );
  });

  it('suspending an organization, whose members then stay signed in', async () => {
    const member = await createUser(t, org, ['client']);
    await withoutAudit(
      'organization.suspended',
      () => read('/api/organizations/current'),
      () =>
        request(t, 'PATCH', `/api/organizations/${org.id}`, {
          token: root.token,
          body: { status: 'suspended' },
        }),
    );
    expect((await me(t, member.token)).status).toBe(200);
  });
});
