import { type ApiResponse, request, type RequestOptions } from '../support/api-client';
import { createApiKey, createTenant, type Tenant } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The general limits on one instance (both backends). An hour's window keeps refills out of
 * the way: an `ip` bucket of 5 refills one request every 720 s, a `tenant` bucket of 8 every
 * 450 s, an `api-key` bucket of 3 every 1200 s. Every test picks its own client addresses
 * through X-Forwarded-For, which the app believes from 127.0.0.1 (TRUST_PROXY).
 */
const LIMITS = {
  RATE_LIMIT_IP: '5',
  RATE_LIMIT_TENANT: '8',
  API_KEY_RATE_LIMIT: '3',
  RATE_LIMIT_WINDOW: '1h',
  TRUST_PROXY: '127.0.0.1',
};

const from = (client: string, options: RequestOptions = {}): RequestOptions => ({
  ...options,
  headers: { ...options.headers, 'x-forwarded-for': client },
});

/** The status and the three headers a client reads. */
function limitOf(response: ApiResponse): Record<string, string | number | null> {
  return {
    status: response.status,
    policy: response.headers.get('ratelimit-policy'),
    limit: response.headers.get('ratelimit'),
    retryAfter: response.headers.get('retry-after'),
  };
}

describe('general rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: LIMITS });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('a signed-in client', () => {
    let org: Tenant;
    let other: Tenant;
    const me = (client: string, tenant: Tenant = org) =>
      request(t, 'GET', '/api/auth/me', from(client, { token: tenant.owner.token }));

    beforeAll(async () => {
      org = await createTenant(t);
      other = await createTenant(t);
    });

    it('is counted per address within its tenant, with the headers on every answer and on the 429', async () => {
      const answers = [];
      for (let index = 0; index < 6; index++) answers.push(limitOf(await me('203.0.113.1')));
      expect(answers.slice(0, 5)).toEqual(
        [4, 3, 2, 1, 0].map((left) => ({
          status: 200,
          policy: '"ip";q=5;w=3600',
          limit: `"ip";r=${left};t=${720 * (5 - left)}`,
          retryAfter: null,
        })),
      );
      expect(answers[5]).toEqual({
        status: 429,
        policy: '"ip";q=5;w=3600',
        limit: '"ip";r=0;t=720',
        retryAfter: '720',
      });
      const refused = await me('203.0.113.1');
      expect(refused.body).toMatchObject({ success: false, error: 'TOO_MANY_REQUESTS' });
    });

    it('shares the tenant budget between addresses, and a refused request consumes from none', async () => {
      // 5 allowed above; the two refused ones charged the tenant nothing: 3 of 8 are left.
      expect(limitOf(await me('203.0.113.2'))).toMatchObject({
        status: 200,
        policy: '"tenant";q=8;w=3600',
        limit: '"tenant";r=2;t=2700',
      });
      expect(limitOf(await me('203.0.113.3'))).toMatchObject({ limit: '"tenant";r=1;t=3150' });
      expect(limitOf(await me('203.0.113.4'))).toMatchObject({ limit: '"tenant";r=0;t=3600' });
      expect(limitOf(await me('203.0.113.5'))).toEqual({
        status: 429,
        policy: '"tenant";q=8;w=3600',
        limit: '"tenant";r=0;t=450',
        retryAfter: '450',
      });
    });

    it("leaves every other tenant's budget alone, even from the same address", async () => {
      expect(limitOf(await me('203.0.113.1', other))).toMatchObject({
        status: 200,
        limit: '"ip";r=4;t=720',
      });
    });
  });

  describe('an API key', () => {
    it('is limited per key, on top of its address and its tenant', async () => {
      const org = await createTenant(t);
      const first = await createApiKey(t, org, ['products.read']);
      const second = await createApiKey(t, org, ['products.read']);
      const list = (key: string, client: string) =>
        request(t, 'GET', '/api/products', from(client, { headers: { 'x-api-key': key } }));
      const answers = [];
      for (let index = 0; index < 4; index++)
        answers.push(limitOf(await list(first.key, '198.51.100.1')));
      expect(answers.map(({ status, limit }) => ({ status, limit }))).toEqual([
        { status: 200, limit: '"api-key";r=2;t=1200' },
        { status: 200, limit: '"api-key";r=1;t=2400' },
        { status: 200, limit: '"api-key";r=0;t=3600' },
        { status: 429, limit: '"api-key";r=0;t=1200' },
      ]);
      expect(answers[3]).toMatchObject({ policy: '"api-key";q=3;w=3600', retryAfter: '1200' });
      expect((await list(first.key, '198.51.100.2')).status).toBe(429);
      // The refused requests took nothing from the address: 3 of its 5 were used.
      expect(limitOf(await list(second.key, '198.51.100.1'))).toMatchObject({
        status: 200,
        limit: '"ip";r=1;t=2880',
      });
    });
  });

  describe('requests that act for no organization', () => {
    it('share one bucket per address: public routes and refused credentials', async () => {
      const client = '192.0.2.1';
      const badToken = () =>
        request(t, 'GET', '/api/auth/me', from(client, { authorization: 'Bearer not-a-jwt' }));
      const badKey = () =>
        request(t, 'GET', '/api/products', from(client, { headers: { 'x-api-key': 'sk_test_x' } }));
      const publicRoute = () => request(t, 'POST', '/api/auth/refresh', from(client, { body: {} }));
      const answers = [await badToken(), await badKey(), await publicRoute(), await publicRoute()];
      expect(answers.map(limitOf)).toEqual(
        [4, 3, 2, 1].map((left, index) => ({
          status: index < 2 ? 401 : answers[index].status,
          policy: '"ip";q=5;w=3600',
          limit: `"ip";r=${left};t=${720 * (5 - left)}`,
          retryAfter: null,
        })),
      );
      expect(answers[2].status).not.toBe(429);
      expect((await publicRoute()).status).not.toBe(429);
      expect(limitOf(await badToken())).toEqual({
        status: 429,
        policy: '"ip";q=5;w=3600',
        limit: '"ip";r=0;t=720',
        retryAfter: '720',
      });
      expect((await publicRoute()).status).toBe(429);
    });

    it('leave health checks alone: never limited, no headers', async () => {
      for (let index = 0; index < 8; index++) {
        const health = await request(t, 'GET', '/health/live', from('192.0.2.9'));
        expect(limitOf(health)).toEqual({
          status: 200,
          policy: null,
          limit: null,
          retryAfter: null,
        });
      }
    });
  });
});

describe('the stricter auth limits', () => {
  it("names the login throttle's policy on its 429 too", async () => {
    // The general limits out of reach (the test defaults), so the login throttle is what refuses.
    const t = await startTestApp({ env: { TRUST_PROXY: '127.0.0.1' } });
    try {
      const org = await createTenant(t);
      const attempt = () =>
        request(
          t,
          'POST',
          '/api/auth/login',
          from('192.0.2.50', {
            tenant: org.subdomain,
            body: { email: org.owner.email, password: 'Wrong-Pass-for-tests' },
          }),
        );
      let answer = await attempt();
      for (let index = 0; index < 5; index++) answer = await attempt();
      const { status, policy, limit } = limitOf(answer);
      expect({ status, policy }).toEqual({ status: 429, policy: '"login-client";q=5;w=900' });
      expect(limit).toMatch(/^"login-client";r=0;t=\d+$/);
    } finally {
      await t.close();
    }
  });
});

// Believed from TRUST_PROXY: every test above counts its X-Forwarded-For addresses apart.
describe('X-Forwarded-For', () => {
  it('is ignored from an address that TRUST_PROXY does not name', async () => {
    const t = await startTestApp({
      env: { ...LIMITS, RATE_LIMIT_IP: '3', TRUST_PROXY: '10.9.9.9' },
    });
    try {
      const statuses = [];
      for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'])
        statuses.push(
          (await request(t, 'POST', '/api/auth/refresh', from(client, { body: {} }))).status,
        );
      // Every request is the socket's 127.0.0.1, whatever it claims.
      expect(statuses[3]).toBe(429);
      expect(statuses.slice(0, 3)).not.toContain(429);
    } finally {
      await t.close();
    }
  });
});
