import { type ApiResponse, request } from '../support/api-client';
import { failAuditInserts } from '../support/audit-probe';
import { createTenant, type Tenant, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

interface OrganizationRow {
  name: string;
  settings: Record<string, unknown>;
  updatedAt: string;
}

const keys = (count: number, value: (index: number) => unknown = () => 'on') =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, value(index)]));

/**
 * Organization settings are flat key/value pairs within fixed limits (50 keys, keys of 64
 * characters, strings of 1024 characters, 16 KiB in all), and an organization update commits
 * with its audit row or not at all.
 */
describe('PATCH /api/organizations/current', () => {
  let t: TestApp;
  let org: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    org = await createTenant(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const current = async (): Promise<OrganizationRow> =>
    (
      (await request(t, 'GET', '/api/organizations/current', { token: org.owner.token })).body as {
        data: OrganizationRow;
      }
    ).data;
  const auditCount = async (): Promise<number> =>
    (
      (
        await request(t, 'GET', '/api/audit-logs?action=organization.updated', {
          token: org.owner.token,
        })
      ).body as { pagination: { total: number } }
    ).pagination.total;
  const update = (body: unknown): Promise<ApiResponse> =>
    request(t, 'PATCH', '/api/organizations/current', { token: org.owner.token, body });
  const refusedOnSettings = (result: ApiResponse, what: string) => {
    const body = result.body as { error?: string; details?: { field: string }[] };
    expect({
      what,
      status: result.status,
      error: body.error,
      fields: body.details?.map((d) => d.field),
    }).toEqual({
      what,
      status: 400,
      error: 'VALIDATION_ERROR',
      fields: ['settings'],
    });
  };

  it('refuses the oversized update that used to commit and then fail on its audit row; nothing changes', async () => {
    const before = await current();
    const audits = await auditCount();
    // Fits the organization's column on its own, but not once wrapped into the audit's after-values.
    const result = await update({ name: 'Renamed', settings: { notes: 'x'.repeat(65_400) } });
    refusedOnSettings(result, 'a 65 kB value');
    expect(await current()).toEqual(before);
    expect(await auditCount()).toBe(audits);
  });

  it.each<[string, unknown]>([
    ['51 keys', keys(51)],
    ['a nested object', { theme: { colour: 'red' } }],
    ['an array value', { locales: ['en', 'fr'] }],
    ['a null value', { locale: null }],
    ['an array instead of an object', ['locale', 'en']],
    ['a string instead of an object', 'locale=en'],
    ['a key of 65 characters', { ['k'.repeat(65)]: 'on' }],
    ['a key with a space', { 'dark mode': true }],
    ['an empty key', { '': 'on' }],
    ['a string of 1025 characters', { motto: 'm'.repeat(1025) }],
    ['more than 16 KiB in all', keys(20, () => 'v'.repeat(1000))],
    ['more than 16 KiB of multi-byte characters', keys(6, () => '€'.repeat(1024))],
  ])('refuses %s with 400 and changes nothing', async (what, settings) => {
    const before = await current();
    refusedOnSettings(await update({ settings }), what);
    expect(await current()).toEqual(before);
  });

  it('accepts flat strings, numbers and booleans at the limits, with one audit row', async () => {
    const audits = await auditCount();
    const settings = {
      ...keys(46),
      ['k'.repeat(64)]: 'long key',
      motto: 'm'.repeat(1024),
      seats: 25,
      beta: false,
    };
    const result = await update({ name: 'At the limits', settings });
    expect(result.status).toBe(200);
    expect(await current()).toMatchObject({ name: 'At the limits', settings });
    expect(await auditCount()).toBe(audits + 1);
  });

  it('rolls the change back when its audit row cannot be written', async () => {
    const restore = await failAuditInserts(t, 'organization.updated');
    const before = await current();
    const audits = await auditCount();
    try {
      const result = await update({ name: 'Never committed', settings: { locale: 'fr-FR' } });
      expect({ status: result.status, error: result.body.error }).toEqual({
        status: 500,
        error: 'INTERNAL_ERROR',
      });
    } finally {
      await restore();
    }
    expect(await current()).toEqual(before);
    expect(await auditCount()).toBe(audits);
    // Control: the same update goes through once the audit row can be written.
    expect((await update({ name: 'Committed', settings: { locale: 'fr-FR' } })).status).toBe(200);
    expect((await current()).name).toBe('Committed');
  });
});
