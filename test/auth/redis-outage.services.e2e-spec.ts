import { randomUUID } from 'node:crypto';
import {
  type ApiResponse,
  type AuthData,
  bearer,
  login,
  me,
  PASSWORD,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis';
import { sleep } from '../support/time';

/**
 * The API on a private redis-server that the test stops and starts again: authentication
 * fails closed with 503 while Redis is away, and works again, without a restart, once it is
 * back. (The embedded store cannot go away, so this only runs against MariaDB + Redis.)
 */
describe('authentication while Redis is unreachable', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    t = await startTestApp({ env: { REDIS_URL: redis.url, AUTH_IP_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.dispose();
  });

  async function expectUnavailable(response: ApiResponse): Promise<void> {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const body = response.body;
    expect(body).toMatchObject({ success: false, error: 'SERVICE_UNAVAILABLE', statusCode: 503 });
    expect(body.requestId).toEqual(expect.any(String));
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
    expect(body).not.toHaveProperty('data');
  }

  /** Retries until Redis answers again (ioredis reconnects with a backoff of at most 2 s). */
  async function untilAvailable<T extends { status: number }>(
    attempt: () => Promise<T>,
    timeoutMs = 10_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await attempt();
      if (result.status !== 503 || Date.now() > deadline) return result;
      await sleep(100);
    }
  }

  it('fails closed with 503 while Redis is down, and serves again once it is back, without a restart', async () => {
    const owner: Registered = await register(t);
    const session = await login(t, owner.organization.subdomain, owner.email, owner.password);
    expect(session.status).toBe(200);
    const { accessToken } = session.json<AuthData>().data.tokens;
    expect((await me(t, accessToken)).status).toBe(200);

    await redis.stop();

    // A valid token cannot be checked against the blacklist and session: refused, not let through.
    await expectUnavailable(await me(t, accessToken));
    await expectUnavailable(
      await request(t, 'GET', '/api/auth/sessions', { headers: bearer(accessToken) }),
    );
    await expectUnavailable(
      await login(t, owner.organization.subdomain, owner.email, owner.password),
    );
    await expectUnavailable(
      await login(t, owner.organization.subdomain, owner.email, 'Wrong-Pass-for-tests'),
    );
    await expectUnavailable(
      await request(t, 'POST', '/api/auth/refresh', {
        body: { refreshToken: `${randomUUID()}.${randomUUID()}.${'A'.repeat(43)}` },
      }),
    );
    await expectUnavailable(
      await request(t, 'POST', '/api/auth/logout', { body: {}, headers: bearer(accessToken) }),
    );
    const signup = await request(t, 'POST', '/api/auth/register', {
      body: {
        organization: { name: 'During outage', subdomain: `${owner.organization.subdomain}-x` },
        email: 'outage@example.test',
        password: PASSWORD,
        firstName: 'Ada',
        lastName: 'Lovelace',
      },
    });
    await expectUnavailable(signup);
    // The process stays up and says what is missing.
    const health = await request(t, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ database: 'connected', redis: 'disconnected' });

    await redis.start();

    // This throwaway Redis keeps nothing, so every session is gone: the old token is refused (fail closed).
    const afterRestart = await untilAvailable(() => me(t, accessToken));
    expect(afterRestart.status).toBe(401);

    const healthy = await untilAvailable(() => request(t, 'GET', '/health'));
    expect(healthy.status).toBe(200);
    const again = await register(t);
    const relogin = await login(t, again.organization.subdomain, again.email, again.password);
    expect(relogin.status).toBe(200);
    const fresh = relogin.json<AuthData>().data.tokens.accessToken;
    const profile = await me(t, fresh);
    expect(profile.status).toBe(200);
    expect(profile.body.data.user.email).toBe(again.email);
    // The user registered before the outage still exists in the database and can sign in again.
    expect((await login(t, owner.organization.subdomain, owner.email, owner.password)).status).toBe(
      200,
    );
  });
});
