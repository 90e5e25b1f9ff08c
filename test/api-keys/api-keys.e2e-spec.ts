import { DataSource } from 'typeorm';
import { ApiKey } from '../../src/modules/api-keys/api-key.entity';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { API_KEY_PERMISSIONS } from '../../src/security/permissions';
import { type ApiResponse, request } from '../support/api-client';
import {
  createApiKey,
  createProduct,
  createRole,
  createTenant,
  createUser,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { sleep, waitFor } from '../support/time';

interface KeyData {
  id: string;
  name: string;
  prefix: string;
  permissions: string[];
  createdBy: string | null;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  key?: string;
}

const withKey = (key: string) => ({ headers: { 'x-api-key': key } });
const status = (result: ApiResponse) => ({
  status: result.status,
  error: result.bodyOrNull?.error,
});

/** API keys: management, use, refusal and what their requests leave behind, on one instance. */
describe('API keys', () => {
  let t: TestApp;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    a = await createTenant(t, 'alpha');
    b = await createTenant(t, 'bravo');
  });
  afterAll(async () => {
    await t.close();
  });

  const keyRow = (id: string) => t.app.get(DataSource).getRepository(ApiKey).findOneBy({ id });

  it('shows the key once at creation; lists show its prefix, never the key or its HMAC', async () => {
    const created = await request<KeyData>(t, 'POST', '/api/api-keys', {
      token: a.owner.token,
      body: { name: '  Stock sync ', permissions: ['products.read', 'audit.read'] },
    });
    expect(created.status).toBe(201);
    const data = created.body.data;
    expect(data).toMatchObject({
      name: 'Stock sync',
      permissions: ['audit.read', 'products.read'],
      createdBy: a.owner.id,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });
    expect(data.key).toMatch(/^sk_test_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    expect(data.key?.startsWith(`${data.prefix}_`)).toBe(true);
    const list = await request<KeyData[]>(t, 'GET', '/api/api-keys', { token: a.owner.token });
    expect(list.status).toBe(200);
    const listed = list.body.data.find((key) => key.id === data.id);
    expect(listed).toMatchObject({ prefix: data.prefix, name: 'Stock sync' });
    expect(listed).not.toHaveProperty('key');
    const secret = data.key?.slice(data.prefix.length + 1) ?? '';
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toMatch(/secretHmac|secret_hmac/);
    // The database holds an HMAC only.
    const stored = await t.app
      .get(DataSource)
      .getRepository(ApiKey)
      .createQueryBuilder('key')
      .addSelect('key.secretHmac')
      .where('key.id = :id', { id: data.id })
      .getOneOrFail();
    expect(stored.secretHmac).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(secret);
    // Another organization's list does not show it.
    const other = await request<KeyData[]>(t, 'GET', '/api/api-keys', { token: b.owner.token });
    expect(other.body.data.map((key) => key.id)).not.toContain(data.id);
  });

  it('works as X-API-Key and as a bearer credential, and /me shows the key', async () => {
    const { id, key } = await createApiKey(t, a, ['products.read'], { name: 'Reader' });
    const product = await createProduct(t, a);
    for (const options of [withKey(key), { token: key }]) {
      const read = await request(t, 'GET', `/api/products/${product.id}`, options);
      expect(read.status).toBe(200);
      const me = await request<Record<string, unknown>>(t, 'GET', '/api/auth/me', options);
      expect(me.status).toBe(200);
      expect(me.body.data).toEqual({
        kind: 'api_key',
        user: null,
        apiKey: { id, name: 'Reader', permissions: ['products.read'] },
        organization: expect.objectContaining({ id: a.id, subdomain: a.subdomain }) as unknown,
      });
    }
    // Only the key's permissions apply, though its creator is an admin.
    expect(status(await request(t, 'DELETE', `/api/products/${product.id}`, withKey(key)))).toEqual(
      { status: 403, error: 'FORBIDDEN' },
    );
    expect((await request(t, 'GET', `/api/products/${product.id}`, withKey(key))).status).toBe(200);
  });

  it("acts for its own organization only: another one's rows are 404, naming another one is 403", async () => {
    const { key } = await createApiKey(t, b, ['products.read', 'products.update']);
    const aProduct = await createProduct(t, a);
    expect(status(await request(t, 'GET', `/api/products/${aProduct.id}`, withKey(key)))).toEqual({
      status: 404,
      error: 'NOT_FOUND',
    });
    expect(
      status(
        await request(t, 'PATCH', `/api/products/${aProduct.id}`, {
          ...withKey(key),
          body: { name: 'Taken over' },
        }),
      ),
    ).toEqual({ status: 404, error: 'NOT_FOUND' });
    for (const naming of [
      { headers: { 'x-api-key': key, 'x-tenant-id': a.subdomain } },
      { headers: { 'x-api-key': key, 'x-tenant-id': a.id } },
      { token: key, host: `${a.subdomain}.localhost` },
    ]) {
      expect(status(await request(t, 'GET', '/api/products', naming))).toEqual({
        status: 403,
        error: 'TENANT_MISMATCH',
      });
    }
    expect(
      (await request(t, 'GET', '/api/products', { ...withKey(key), tenant: b.subdomain })).status,
    ).toBe(200);
  });

  it('refuses a forged public id, a wrong secret, another environment and a malformed key (401)', async () => {
    const { key } = await createApiKey(t, a, ['products.read']);
    const [, , publicId, ...rest] = key.split('_');
    const secret = rest.join('_');
    const other = await createApiKey(t, b, ['products.read']);
    const otherPublicId = other.key.split('_')[2];
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const forged = [
      `sk_test_${'0'.repeat(24)}_${secret}`,
      `sk_test_${otherPublicId}_${secret}`,
      `sk_test_${publicId}_${flipped}`,
      `sk_test_${publicId}_${other.key.split('_').slice(3).join('_')}`,
      `sk_live_${publicId}_${secret}`,
      `sk_test_${publicId}_${secret}x`,
      `sk_test_${publicId}`,
      'sk_',
    ];
    for (const candidate of forged) {
      for (const options of [withKey(candidate), { token: candidate }]) {
        const result = await request(t, 'GET', '/api/products', options);
        expect({ candidate, ...status(result) }).toEqual({
          candidate,
          status: 401,
          error: 'UNAUTHORIZED',
        });
      }
    }
    // Both headers at once are refused, even with valid credentials in each.
    const both = await request(t, 'GET', '/api/products', {
      token: a.owner.token,
      headers: { 'x-api-key': key },
    });
    expect(status(both)).toEqual({ status: 401, error: 'UNAUTHORIZED' });
    expect((await request(t, 'GET', '/api/products', withKey(key))).status).toBe(200);
  });

  it('is refused (401) from the request after its revocation or expiry', async () => {
    const { id, key } = await createApiKey(t, a, ['products.read']);
    expect((await request(t, 'GET', '/api/products', withKey(key))).status).toBe(200);
    const revoked = await request(t, 'DELETE', `/api/api-keys/${id}`, { token: a.owner.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.message).toBe('API key revoked');
    expect(status(await request(t, 'GET', '/api/products', withKey(key)))).toEqual({
      status: 401,
      error: 'UNAUTHORIZED',
    });
    const revokedAt = (await keyRow(id))?.revokedAt;
    expect(revokedAt).toBeInstanceOf(Date);
    // Again: 200, nothing changes, no second audit row.
    expect(
      (await request(t, 'DELETE', `/api/api-keys/${id}`, { token: a.owner.token })).status,
    ).toBe(200);
    expect((await keyRow(id))?.revokedAt).toEqual(revokedAt);
    const rows = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .findBy({ action: 'api_key.revoked', entityId: id });
    expect(rows).toHaveLength(1);
    // Another organization's key is not found.
    expect(
      status(await request(t, 'DELETE', `/api/api-keys/${id}`, { token: b.owner.token })),
    ).toEqual({ status: 404, error: 'NOT_FOUND' });

    const expiring = await createApiKey(t, a, ['products.read'], {
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await request(t, 'GET', '/api/products', withKey(expiring.key))).status).toBe(200);
    await sleep(1600);
    expect(status(await request(t, 'GET', '/api/products', withKey(expiring.key)))).toEqual({
      status: 401,
      error: 'UNAUTHORIZED',
    });
  });

  it('cannot be used to escalate: no key manages keys or roles, and nobody grants what they lack', async () => {
    const everything = await createApiKey(t, a, API_KEY_PERMISSIONS);
    for (const [method, path] of [
      ['GET', '/api/api-keys'],
      ['POST', '/api/api-keys'],
      ['GET', '/api/roles'],
      ['POST', '/api/roles'],
      ['GET', '/api/auth/sessions'],
      ['POST', '/api/auth/logout'],
      ['GET', '/api/users/me'],
    ]) {
      const result = await request(t, method, path, {
        ...withKey(everything.key),
        body: method === 'POST' ? { name: 'x', permissions: ['products.read'] } : undefined,
      });
      expect({ method, path, ...status(result) }).toEqual({
        method,
        path,
        status: 403,
        error: 'FORBIDDEN',
      });
    }
    // A key with users.create cannot make a user holding what the key lacks (the admin role).
    const adminUser = await request(t, 'POST', '/api/users', {
      ...withKey(everything.key),
      body: {
        email: `made-by-key@${a.subdomain}.test`,
        password: 'Tr1cky-Pass-for-tests',
        firstName: 'Key',
        lastName: 'Made',
        roles: ['admin'],
      },
    });
    expect(status(adminUser)).toEqual({ status: 403, error: 'FORBIDDEN' });

    // No key can be given api_keys.manage or roles.manage, not even by an admin.
    for (const permission of ['api_keys.manage', 'roles.manage']) {
      const refused = await request(t, 'POST', '/api/api-keys', {
        token: a.owner.token,
        body: { name: 'too much', permissions: [permission] },
      });
      expect(status(refused)).toEqual({ status: 400, error: 'VALIDATION_ERROR' });
    }
    // A user who manages keys gives a key only permissions they hold themselves.
    const role = await createRole(t, a, ['api_keys.manage', 'products.read']);
    const manager = await createUser(t, a, [role.name]);
    const beyond = await request(t, 'POST', '/api/api-keys', {
      token: manager.token,
      body: { name: 'beyond', permissions: ['products.read', 'users.read'] },
    });
    expect(status(beyond)).toEqual({ status: 403, error: 'FORBIDDEN' });
    expect(beyond.body.message).toContain('users.read');
    const within = await request(t, 'POST', '/api/api-keys', {
      token: manager.token,
      body: { name: 'within', permissions: ['products.read'] },
    });
    expect(within.status).toBe(201);
    // An expiry in the past is refused.
    const past = await request(t, 'POST', '/api/api-keys', {
      token: a.owner.token,
      body: { name: 'past', permissions: ['products.read'], expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(status(past)).toEqual({ status: 400, error: 'VALIDATION_ERROR' });
  });

  it("audits creation and revocation, and names the key (not a user) on its requests' rows", async () => {
    const { id, key } = await createApiKey(t, a, ['products.create'], { name: 'Importer' });
    const audit = t.app.get(DataSource).getRepository(AuditLog);
    expect(await audit.findBy({ action: 'api_key.created', entityId: id })).toEqual([
      expect.objectContaining({ organizationId: a.id, userId: a.owner.id }),
    ]);
    const created = await request<{ id: string; createdBy: string | null }>(
      t,
      'POST',
      '/api/products',
      { ...withKey(key), body: { name: 'Imported lamp', sku: 'IMPORT-0001', price: '3.50' } },
    );
    expect(created.status).toBe(201);
    expect(created.body.data.createdBy).toBeNull();
    const [row] = await audit.findBy({
      action: 'product.created',
      entityId: created.body.data.id,
    });
    expect(row).toMatchObject({
      organizationId: a.id,
      userId: null,
      metadata: { actor: { type: 'api_key', id, name: 'Importer' } },
    });
    await request(t, 'DELETE', `/api/api-keys/${id}`, { token: a.owner.token });
    const [revoked] = await audit.findBy({ action: 'api_key.revoked', entityId: id });
    expect(revoked).toMatchObject({ userId: a.owner.id, organizationId: a.id });
    expect(JSON.stringify([revoked, row])).not.toContain(key.slice(33));
  });

  it('writes lastUsedAt off the request path, at most once a minute', async () => {
    const { id, key } = await createApiKey(t, a, ['products.read']);
    expect((await keyRow(id))?.lastUsedAt).toBeNull();
    const first = await request(t, 'GET', '/api/products', withKey(key));
    expect(first.status).toBe(200);
    await waitFor(async () => (await keyRow(id))?.lastUsedAt instanceof Date);
    const written = (await keyRow(id))?.lastUsedAt;
    expect(written?.getTime()).toBeGreaterThanOrEqual(first.from - 1000);
    for (let i = 0; i < 3; i += 1)
      expect((await request(t, 'GET', '/api/products', withKey(key))).status).toBe(200);
    await sleep(200);
    expect((await keyRow(id))?.lastUsedAt).toEqual(written);
  });
});

describe('API keys: the per-key rate limit', () => {
  let t: TestApp;
  let a: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...WALK_ENV, API_KEY_RATE_LIMIT: '3' } });
    a = await createTenant(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After past API_KEY_RATE_LIMIT a minute, for that key only', async () => {
    const limited = await createApiKey(t, a, ['products.read']);
    const other = await createApiKey(t, a, ['products.read']);
    for (let i = 0; i < 3; i += 1)
      expect((await request(t, 'GET', '/api/products', withKey(limited.key))).status).toBe(200);
    const refused = await request(t, 'GET', '/api/products', withKey(limited.key));
    expect(status(refused)).toEqual({ status: 429, error: 'TOO_MANY_REQUESTS' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await request(t, 'GET', '/api/products', withKey(other.key))).status).toBe(200);
    // People are not limited by it.
    for (let i = 0; i < 5; i += 1)
      expect((await request(t, 'GET', '/api/products', { token: a.owner.token })).status).toBe(200);
  });
});
