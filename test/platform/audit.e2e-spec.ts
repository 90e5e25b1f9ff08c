import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { request } from '../support/api-client';
import {
  type Account,
  createSuperuser,
  createTenant,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface AuditRow {
  action: string;
  userId: string | null;
  entityId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown> | null;
}

const OPERATOR_AGENT = 'OperatorConsole/7.1 (platform; desk 42)';
const OPERATOR_IP = '203.0.113.77';

/** A platform operator acting on a tenant appears in the tenant's log only as "platform operator". */
describe("platform operators in a tenant's audit log", () => {
  let t: TestApp;
  let root: Account;
  let acme: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...WALK_ENV, TRUST_PROXY: '127.0.0.1' } });
    root = await createSuperuser(t);
    acme = await createTenant(t, 'acme');
  });
  afterAll(async () => {
    await t.close();
  });

  const asOperator = (status: 'suspended' | 'active') =>
    request(t, 'PATCH', `/api/organizations/${acme.id}`, {
      token: root.token,
      body: { status },
      headers: { 'user-agent': OPERATOR_AGENT, 'x-forwarded-for': OPERATOR_IP },
    });

  it('the tenant sees the action and "platform operator", never the id, IP, user agent or request of the operator', async () => {
    const suspended = await asOperator('suspended');
    expect(suspended.status).toBe(200);
    const reactivated = await asOperator('active');
    expect(reactivated.status).toBe(200);
    const requestIds = [
      suspended.headers.get('x-request-id'),
      reactivated.headers.get('x-request-id'),
    ];
    expect(requestIds).toEqual([expect.stringMatching(UUID), expect.stringMatching(UUID)]);

    const owner = await request(t, 'POST', '/api/auth/login', {
      body: { email: acme.owner.email, password: acme.owner.password },
      headers: { 'x-tenant-id': acme.subdomain },
    });
    const token = owner.json<{ tokens: { accessToken: string } }>().data.tokens.accessToken;
    const log = await request(t, 'GET', '/api/audit-logs?limit=100', { token });
    expect(log.status).toBe(200);
    const rows = log.json<AuditRow[]>().data;
    const byOperator = rows.filter((row) => row.action.startsWith('organization.'));
    expect(byOperator.map((row) => row.action).sort()).toEqual([
      'organization.reactivated',
      'organization.suspended',
    ]);
    for (const row of byOperator)
      expect(row).toMatchObject({
        userId: null,
        entityId: acme.id,
        ip: null,
        userAgent: null,
        requestId: null,
        metadata: { actor: 'platform operator' },
      });
    for (const trace of [root.id, root.email, OPERATOR_AGENT, OPERATOR_IP, ...requestIds])
      expect({ trace, found: log.text.includes(String(trace)) }).toEqual({ trace, found: false });
  });

  it('the platform keeps the full record, outside every tenant', async () => {
    const rows = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({ where: { entityId: acme.id, userId: root.id } });
    expect(rows.map((row) => row.action).sort()).toEqual([
      'organization.reactivated',
      'organization.suspended',
    ]);
    for (const row of rows)
      expect(row).toMatchObject({
        organizationId: null,
        userId: root.id,
        ip: OPERATOR_IP,
        userAgent: OPERATOR_AGENT,
        metadata: { organizationId: acme.id },
      });
    expect(rows.map((row) => row.requestId)).toEqual([
      expect.stringMatching(UUID),
      expect.stringMatching(UUID),
    ]);
  });

  it("the tenant's own actions keep their actor, IP and user agent", async () => {
    const renamed = await request(t, 'PATCH', '/api/organizations/current', {
      token: (
        (
          await request(t, 'POST', '/api/auth/login', {
            body: { email: acme.owner.email, password: acme.owner.password },
            headers: { 'x-tenant-id': acme.subdomain },
          })
        ).body as { data: { tokens: { accessToken: string } } }
      ).data.tokens.accessToken,
      body: { name: 'Acme renamed' },
      headers: { 'user-agent': 'TenantBrowser/1.0' },
    });
    expect(renamed.status).toBe(200);
    const [row] = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({ where: { organizationId: acme.id, action: 'organization.updated' } });
    expect(row).toMatchObject({ userId: acme.owner.id, userAgent: 'TenantBrowser/1.0' });
    expect(row.ip).toBe('127.0.0.1');
  });
});
