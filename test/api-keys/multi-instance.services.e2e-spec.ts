import { request } from '../support/api-client';
import { createApiKey, createTenant, type Tenant, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

const withKey = (key: string) => ({ headers: { 'x-api-key': key } });

/**
 * Two instances on one MariaDB database and one Redis key space, as behind a load balancer:
 * what happens to a key through one is enforced by the other on its very next request.
 */
describe('API keys across two instances sharing MariaDB and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let org: Tenant;

  beforeAll(async () => {
    a = await startTestApp({ env: { ...WALK_ENV, API_KEY_RATE_LIMIT: '4' } });
    b = await startTestApp({
      database: a.database,
      env: { ...WALK_ENV, API_KEY_RATE_LIMIT: '4', REDIS_KEY_PREFIX: a.config.redis.keyPrefix },
    });
    org = await createTenant(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a key made on A works on B, and its revocation on A is refused on B at once', async () => {
    const { id, key } = await createApiKey(a, org, ['products.read']);
    expect((await request(b, 'GET', '/api/products', withKey(key))).status).toBe(200);
    const revoked = await request(a, 'DELETE', `/api/api-keys/${id}`, { token: org.owner.token });
    expect(revoked.status).toBe(200);
    const next = await request(b, 'GET', '/api/products', withKey(key));
    expect({ status: next.status, error: next.body.error }).toEqual({
      status: 401,
      error: 'UNAUTHORIZED',
    });
    expect((await request(a, 'GET', '/api/products', withKey(key))).status).toBe(401);
  });

  it("shares each key's rate limit between the instances", async () => {
    const { key } = await createApiKey(a, org, ['products.read']);
    for (const instance of [a, b, a, b])
      expect((await request(instance, 'GET', '/api/products', withKey(key))).status).toBe(200);
    for (const instance of [a, b])
      expect((await request(instance, 'GET', '/api/products', withKey(key))).status).toBe(429);
  });
});
