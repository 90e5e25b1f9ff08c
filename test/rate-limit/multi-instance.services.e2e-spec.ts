import { request, type RequestOptions } from '../support/api-client';
import { createApiKey, createTenant, type Tenant } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

const LIMITS = {
  RATE_LIMIT_IP: '4',
  RATE_LIMIT_TENANT: '6',
  API_KEY_RATE_LIMIT: '3',
  RATE_LIMIT_WINDOW: '1h',
  TRUST_PROXY: '127.0.0.1',
};

const from = (client: string, options: RequestOptions = {}): RequestOptions => ({
  ...options,
  headers: { ...options.headers, 'x-forwarded-for': client },
});

/** Two instances on one database and one Redis key space, as behind a load balancer. */
describe('rate limits across two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ env: LIMITS });
    b = await startTestApp({
      database: a.database,
      env: { ...LIMITS, REDIS_KEY_PREFIX: a.config.redis.keyPrefix },
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const statuses = async (calls: (() => Promise<{ status: number }>)[]): Promise<number[]> => {
    const seen: number[] = [];
    for (const call of calls) seen.push((await call()).status);
    return seen;
  };

  it("share one client's budget within a tenant", async () => {
    const org = await createTenant(a);
    const me = (instance: TestApp) => () =>
      request(instance, 'GET', '/api/auth/me', from('203.0.113.7', { token: org.owner.token }));
    expect(await statuses([a, b, a, b, a, b].map(me))).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it("share the tenant's budget", async () => {
    const org: Tenant = await createTenant(a);
    const me = (instance: TestApp, index: number) => () =>
      request(
        instance,
        'GET',
        '/api/auth/me',
        from(`203.0.113.${20 + index}`, { token: org.owner.token }),
      );
    const calls = [a, b, a, b, a, b, a, b].map((instance, index) => me(instance, index));
    expect(await statuses(calls)).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it("share an API key's budget", async () => {
    const org = await createTenant(a);
    const { key } = await createApiKey(a, org, ['products.read']);
    const list = (instance: TestApp, index: number) => () =>
      request(
        instance,
        'GET',
        '/api/products',
        from(`198.51.100.${index}`, { headers: { 'x-api-key': key } }),
      );
    const calls = [a, b, a, b, a].map((instance, index) => list(instance, index));
    expect(await statuses(calls)).toEqual([200, 200, 200, 429, 429]);
  });

  it('share the anonymous bucket of an address', async () => {
    const refresh = (instance: TestApp) => () =>
      request(instance, 'POST', '/api/auth/refresh', from('192.0.2.77', { body: {} }));
    const seen = await statuses([a, b, a, b, a, b].map(refresh));
    expect(seen.slice(0, 4)).not.toContain(429);
    expect(seen.slice(4)).toEqual([429, 429]);
  });
});
