import { KvUnavailableError } from '../../src/kv/kv-store';
import { request } from '../support/api-client';
import { createSqliteDatabase, describeEmbeddedOnly, describeMysqlOnly } from '../support/backend';
import { startTestApp, type TestApp } from '../support/test-app';
import { freePort, startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis';
import { sleep } from '../support/time';

// Stopping Redis is only possible with a private server, and only the mysql mode uses Redis.

interface HealthAnswer {
  status: number;
  body: unknown;
}

/** `/health` keeps its meaning: the same answer as the readiness check. */
const DEPENDENCY_CHECKS = ['/health', '/health/ready'];

async function health(t: TestApp, path = '/health'): Promise<HealthAnswer> {
  const response = await request(t, 'GET', path);
  return { status: response.status, body: response.body };
}

const LIVE: HealthAnswer = { status: 200, body: { status: 'ok' } };

/** Polls /health until it answers `status`; the Redis client reconnects with a backoff of up to 2 s. */
async function healthUntil(t: TestApp, status: number, timeoutMs: number): Promise<HealthAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await health(t);
    if (answer.status === status || Date.now() > deadline) return answer;
    await sleep(100);
  }
}

describeMysqlOnly('GET /health against MariaDB and a Redis that goes away', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    t = await startTestApp({ env: { REDIS_URL: redis.url } });
  });

  afterAll(async () => {
    await t?.close();
    await redis?.dispose();
  });

  it.each(DEPENDENCY_CHECKS)('%s is 200 with both dependencies connected', async (path) => {
    expect(await health(t, path)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        database: 'connected',
        redis: 'connected',
        jobQueue: 'connected',
        replicas: [],
        backends: { database: 'mysql', keyValueStore: 'redis', jobQueue: 'bullmq' },
      },
    });
  });

  describe('while Redis is stopped', () => {
    beforeAll(async () => {
      await redis.stop();
    });

    it.each(DEPENDENCY_CHECKS)('%s is 503 naming redis as disconnected', async (path) => {
      const started = performance.now();
      const answer = await health(t, path);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(answer).toEqual({
        status: 503,
        body: {
          status: 'error',
          database: 'connected',
          redis: 'disconnected',
          jobQueue: 'disconnected',
          replicas: [],
          backends: { database: 'mysql', keyValueStore: 'redis', jobQueue: 'bullmq' },
        },
      });
    });

    it('/health/live is still 200: the process serves, whatever its dependencies do', async () => {
      expect(await health(t, '/health/live')).toEqual(LIVE);
    });
  });

  it('is 200 again once Redis is back, without restarting the app', async () => {
    await redis.start();
    const answer = await healthUntil(t, 200, 8000);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'ok',
      database: 'connected',
      redis: 'connected',
      jobQueue: 'connected',
    });
    expect((await health(t, '/health/ready')).status).toBe(200);
  });
});

describeEmbeddedOnly('GET /health in embedded mode', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each(DEPENDENCY_CHECKS)('%s is 200 and reports the embedded backends', async (path) => {
    expect(await health(t, path)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        database: 'connected',
        redis: 'embedded',
        jobQueue: 'embedded',
        replicas: [],
        backends: { database: 'sqlite', keyValueStore: 'in-process', jobQueue: 'in-process' },
      },
    });
  });

  it('/health/live is 200', async () => {
    expect(await health(t, '/health/live')).toEqual(LIVE);
  });
});

describe('booting with REDIS_URL pointing at a dead Redis', () => {
  it('fails fast with an error that names Redis and the reason', async () => {
    const deadUrl = `redis://127.0.0.1:${await freePort()}`;
    // SQLite in both modes: a failed boot rejects while the DataSource factory is still running,
    // and nothing ever closes it; a MariaDB pool would keep the test process alive for good.
    const database = createSqliteDatabase();
    const started = performance.now();
    try {
      const failure = await startTestApp({
        backend: 'embedded',
        database,
        env: { REDIS_URL: deadUrl },
      }).then(
        async (booted) => {
          await booted.close();
          return null;
        },
        (error: unknown) => error,
      );
      expect(performance.now() - started).toBeLessThan(3000);
      expect(failure).toBeInstanceOf(KvUnavailableError);
      expect((failure as Error).message).toBe(
        `Cannot connect to Redis at ${deadUrl}: connect ECONNREFUSED ${deadUrl.slice('redis://'.length)}`,
      );
    } finally {
      // Let that straggling DataSource finish its migrations before its folder goes away.
      await sleep(1500);
      await database.drop();
    }
  });
});
