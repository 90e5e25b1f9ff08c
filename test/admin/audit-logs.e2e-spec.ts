import { request } from '../support/api-client';
import { createTenant, createUser, type Tenant, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

interface AuditRow {
  action: string;
  userId: string | null;
  entityId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: string;
}

/** Security events and administrative changes, with before/after values, per tenant. */
describe('GET /api/audit-logs', () => {
  let t: TestApp;
  let acme: Tenant;
  let globex: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    acme = await createTenant(t, 'acme');
    globex = await createTenant(t, 'globex');
  });
  afterAll(async () => {
    await t.close();
  });

  const logs = async (tenant: Tenant, query = '') => {
    const response = await request(t, 'GET', `/api/audit-logs${query}`, {
      token: tenant.owner.token,
    });
    expect(response.status).toBe(200);
    return response.body as { data: AuditRow[]; pagination: { total: number } };
  };

  it('records a role change with before and after values, filterable by action and user', async () => {
    const staff = await createUser(t, acme, ['staff']);
    const changed = await request(t, 'PATCH', `/api/users/${staff.id}`, {
      token: acme.owner.token,
      body: { roles: ['client'] },
    });
    expect(changed.status).toBe(200);

    const page = await logs(acme, '?action=user.roles.changed');
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      action: 'user.roles.changed',
      userId: acme.owner.id,
      entityId: staff.id,
      before: { roles: ['staff'] },
      after: { roles: ['client'] },
    });
    expect(page.data[0].requestId).toBe(changed.headers.get('x-request-id'));

    const byOwner = await logs(acme, `?userId=${acme.owner.id}&limit=100`);
    expect(byOwner.data.map((row) => row.action)).toContain('user.roles.changed');
    expect(byOwner.data.every((row) => row.userId === acme.owner.id)).toBe(true);
    expect(byOwner.data.map((row) => row.action)).toEqual(
      expect.arrayContaining(['auth.registered', 'user.created', 'user.roles.changed']),
    );
  });

  it('filters by date range and never shows another organization’s rows', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await logs(acme, `?from=${encodeURIComponent(future)}`)).data).toHaveLength(0);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const all = await logs(
      acme,
      `?from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}&limit=100`,
    );
    expect(all.pagination.total).toBe(all.data.length);
    expect(all.data.length).toBeGreaterThan(0);

    const theirs = await logs(globex, '?limit=100');
    const acmeIds = new Set([acme.owner.id]);
    expect(theirs.data.some((row) => row.userId !== null && acmeIds.has(row.userId))).toBe(false);
    expect(theirs.data.some((row) => row.action === 'user.roles.changed')).toBe(false);
  });

  it('refuses malformed filters and users without audit.read', async () => {
    expect(
      (await request(t, 'GET', '/api/audit-logs?from=yesterday', { token: acme.owner.token }))
        .status,
    ).toBe(400);
    expect(
      (await request(t, 'GET', '/api/audit-logs?userId=42', { token: acme.owner.token })).status,
    ).toBe(400);
    const staff = await createUser(t, acme, ['staff']);
    expect((await request(t, 'GET', '/api/audit-logs', { token: staff.token })).status).toBe(403);
  });
});
