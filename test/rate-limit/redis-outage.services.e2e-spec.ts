import { register, request } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis';
import { waitFor } from '../support/time';

const WARNING = 'key-value store unavailable: the per-IP limit of public routes is not enforced';

/**
 * The general limits while Redis is away: an authenticated request still fails closed (its
 * limits ride in the session check), and the anonymous limit of public routes fails open with
 * one warning, so a public route that needs nothing else from Redis still answers.
 */
describe('general rate limits while Redis is unreachable', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    t = await startTestApp({ env: { REDIS_URL: redis.url, RATE_LIMIT_IP: '2' } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.dispose();
  });

  it('fail open on public routes, with one warning, and closed on authenticated ones', async () => {
    const owner = await register(t);
    await redis.stop();
    const refresh = () => request(t, 'POST', '/api/auth/refresh', { body: {}, csrf: true });
    const answers = [await refresh(), await refresh(), await refresh()];
    // Past RATE_LIMIT_IP=2 and still no 429: nothing counts while the store is away.
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401]);
    expect(answers.map((answer) => answer.headers.get('ratelimit'))).toEqual([null, null, null]);
    expect(t.logs.filter((line) => line.msg === WARNING)).toHaveLength(1);
    const me = await request(t, 'GET', '/api/auth/me', { token: owner.tokens.accessToken });
    expect(me.status).toBe(503);
    // Back up, and reconnected, before the app closes: closing waits for its connections.
    await redis.start();
    await waitFor(async () => (await request(t, 'GET', '/health/ready')).status === 200, 15_000);
  }, 30_000);
});
