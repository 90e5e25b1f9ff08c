import { login, me, register, type Registered, request } from '../support/api-client';
import { describeMysqlOnly, TEST_BACKEND } from '../support/backend';
import { type Exposition, metricsUrl, promtoolCheck, scrape } from '../support/metrics';
import { startTestApp, type TestApp } from '../support/test-app';
import { freePort } from '../support/throwaway-redis';
import { sleep } from '../support/time';

const ME = { method: 'GET', route: '/api/auth/me', status_code: '200' };
const LOGIN_MAX_FAILURES = 2;

describe(`Prometheus metrics (${TEST_BACKEND})`, () => {
  let t: TestApp;
  let owner: Registered;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        METRICS_PORT: String(await freePort()),
        LOGIN_MAX_FAILURES: String(LOGIN_MAX_FAILURES),
        REFRESH_REUSE_GRACE: '1s',
      },
    });
    owner = await register(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Scrapes until `ready` holds (jobs finish after their request), at most a few seconds. */
  async function scrapeUntil(ready: (metrics: Exposition) => boolean): Promise<Exposition> {
    for (let attempt = 0; ; attempt += 1) {
      const metrics = await scrape(t);
      if (ready(metrics) || attempt === 50) return metrics;
      await sleep(100);
    }
  }

  it('serves GET /metrics on its own port only: the API port answers 404 with the envelope', async () => {
    const api = await request(t, 'GET', '/metrics');
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ success: false, error: 'NOT_FOUND' });
    expect(t.config.metrics.port).not.toBe(new URL(t.baseUrl).port);

    const scraped = await fetch(metricsUrl(t));
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await fetch(metricsUrl(t, '/'))).status).toBe(404);
    expect((await fetch(metricsUrl(t, '/metrics'), { method: 'POST' })).status).toBe(404);
  });

  it('passes promtool check metrics', async () => {
    await me(t, owner.tokens.accessToken);
    const { status, output } = promtoolCheck((await scrape(t)).text);
    expect({ status, output }).toEqual({ status: 0, output: '' });
  });

  it('counts each /me under its route template and status, with its duration', async () => {
    const before = await scrape(t);
    const calls = 7;
    for (let i = 0; i < calls; i += 1)
      expect((await me(t, owner.tokens.accessToken)).status).toBe(200);
    const after = await scrape(t);
    expect(after.sum('http_requests_total', ME) - before.sum('http_requests_total', ME)).toBe(
      calls,
    );
    const histogram = 'http_request_duration_seconds_count';
    expect(after.sum(histogram, ME) - before.sum(histogram, ME)).toBe(calls);
    expect(after.sum('http_request_duration_seconds_bucket', { ...ME, le: '+Inf' })).toBe(
      after.sum(histogram, ME),
    );
    // Only the scrape's own request is not counted: this one is not in flight any more.
    expect(after.sum('http_requests_in_flight')).toBe(0);
  });

  it('labels a URL no route matches "unmatched", never with the URL itself', async () => {
    const path = `/api/no-such-route-${Date.now()}`;
    expect((await request(t, 'GET', path)).status).toBe(404);
    const metrics = await scrape(t);
    expect(
      metrics.sum('http_requests_total', { route: 'unmatched', status_code: '404' }),
    ).toBeGreaterThan(0);
    expect(metrics.text).not.toContain(path);
  });

  it('counts logins by outcome, the lockout, and its 429 as a rejection', async () => {
    const account = await register(t);
    const tenant = account.organization.subdomain;
    const before = await scrape(t);
    expect((await login(t, tenant, account.email, account.password)).status).toBe(200);
    for (let i = 0; i < LOGIN_MAX_FAILURES; i += 1)
      expect((await login(t, tenant, account.email, 'Wrong-Pass-for-tests')).status).toBe(401);
    expect((await login(t, tenant, account.email, 'Wrong-Pass-for-tests')).status).toBe(429);
    const after = await scrape(t);
    const moved = (name: string, labels: Record<string, string>) =>
      after.sum(name, labels) - before.sum(name, labels);
    expect({
      success: moved('auth_logins_total', { outcome: 'success' }),
      badCredentials: moved('auth_logins_total', { outcome: 'bad_credentials' }),
      throttled: moved('auth_logins_total', { outcome: 'throttled' }),
      lockouts: moved('auth_lockouts_total', { lock: 'client' }),
      // The login throttle's 429 names no RateLimit-Policy yet.
      rejections: moved('http_rate_limit_rejections_total', { policy: 'unknown' }),
      login429: moved('http_requests_total', {
        route: '/api/auth/login',
        status_code: '429',
      }),
    }).toEqual({
      success: 1,
      badCredentials: LOGIN_MAX_FAILURES,
      throttled: 1,
      lockouts: 1,
      rejections: 1,
      login429: 1,
    });
  });

  it('counts refreshes by outcome, reuse of a rotated token included', async () => {
    const account = await register(t, { inBody: true });
    const first = account.tokens.refreshToken ?? '';
    const before = await scrape(t);
    const rotated = await request(t, 'POST', '/api/auth/refresh', {
      body: { refreshToken: first },
    });
    expect(rotated.status).toBe(200);
    await sleep(1100); // past REFRESH_REUSE_GRACE
    const reused = await request(t, 'POST', '/api/auth/refresh', { body: { refreshToken: first } });
    expect(reused.status).toBe(401);
    const after = await scrape(t);
    const moved = (outcome: string) =>
      after.sum('auth_refreshes_total', { outcome }) -
      before.sum('auth_refreshes_total', { outcome });
    expect({ success: moved('success'), reuse: moved('reuse') }).toEqual({ success: 1, reuse: 1 });
  });

  it('times key-value and SQL calls, and the jobs this process runs', async () => {
    const before = await scrape(t);
    await me(t, owner.tokens.accessToken);
    await request(t, 'GET', '/api/users', { token: owner.tokens.accessToken });
    const kv = 'kv_operation_duration_seconds_count';
    const after = await scrape(t);
    expect(after.sum(kv, { operation: 'script:check-access' })).toBeGreaterThan(
      before.sum(kv, { operation: 'script:check-access' }),
    );
    expect(after.sum('db_query_duration_seconds_count', { operation: 'select' })).toBeGreaterThan(
      before.sum('db_query_duration_seconds_count', { operation: 'select' }),
    );
    // Registering queued a verification mail, which the inline worker sends.
    const jobs = await scrapeUntil(
      (metrics) => metrics.sum('job_duration_seconds_count', { outcome: 'completed' }) > 0,
    );
    expect(
      jobs.sum('job_duration_seconds_count', {
        job: 'mail.verify-email',
        outcome: 'completed',
      }),
    ).toBeGreaterThan(0);
    for (const state of ['waiting', 'active', 'delayed', 'failed'])
      expect(
        jobs.samples.some((s) => s.name === 'job_queue_jobs' && s.labels.state === state),
      ).toBe(true);
    expect(jobs.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(jobs.has('process_cpu_seconds_total')).toBe(true);
  });

  it('never carries a tenant id, user id, subdomain or email in a label or anywhere else', async () => {
    const other = await register(t);
    await me(t, other.tokens.accessToken);
    const metrics = await scrape(t);
    const secrets = [owner, other].flatMap((account) => [
      account.organization.id,
      account.organization.subdomain,
      account.user.id,
      account.email,
    ]);
    expect(secrets.filter((secret) => metrics.text.includes(secret))).toEqual([]);
    // Label values come from small fixed sets: nothing looks like an id or an address.
    expect(
      metrics.labelValues().filter((value) => /@|[0-9a-f]{8}-[0-9a-f]{4}-/i.test(value)),
    ).toEqual([]);
  });

  describeMysqlOnly('on MySQL', () => {
    it('reports the connection pool', async () => {
      const metrics = await scrape(t);
      expect(metrics.sum('db_pool_max_connections')).toBe(10);
      expect(metrics.sum('db_pool_connections')).toBeGreaterThan(0);
      expect(metrics.has('db_pool_waiting_requests')).toBe(true);
    });
  });
});

describe('the metrics listener at shutdown', () => {
  it('closes with the app, while the process lives on', async () => {
    const t = await startTestApp({ env: { METRICS_PORT: String(await freePort()) } });
    await scrape(t);
    await t.close();
    await expect(fetch(metricsUrl(t))).rejects.toThrow();
  });
});
