import Redis from 'ioredis';
import pino from 'pino';
import { TEST_REDIS_URL, uniqueSuffix } from '../../test/support/backend';
import { startThrowawayRedis } from '../../test/support/throwaway-redis';
import { BullMqJobQueue } from './bullmq-job-queue';
import { JobQueueUnavailableError } from './job';
import { CONTRACT_OPTIONS, describeJobQueueContract } from './job-queue.contract';

// A prefix per queue: runs on a shared Redis never collide, and cleanup finds every key.
const runPrefix = `test:jobs:${uniqueSuffix()}`;
const logger = pino({ level: 'silent' });

async function keysUnder(client: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

describe('BullMqJobQueue against a real Redis', () => {
  let raw: Redis;

  beforeAll(() => {
    raw = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const leftovers = await keysUnder(raw, `{${runPrefix}*`);
    if (leftovers.length > 0) await raw.unlink(...leftovers);
    await raw.quit();
  });

  describeJobQueueContract('BullMqJobQueue', async (options) => {
    const queue = new BullMqJobQueue({
      ...options,
      connection: { kind: 'single', url: TEST_REDIS_URL },
      prefix: `{${runPrefix}:${uniqueSuffix()}}`,
      logger,
    });
    await queue.connect();
    return queue;
  });

  it('keeps every key under its own prefix, in one hash slot', async () => {
    const prefix = `{${runPrefix}:slot}`;
    const queue = new BullMqJobQueue({
      ...CONTRACT_OPTIONS,
      connection: { kind: 'single', url: TEST_REDIS_URL },
      prefix,
      logger,
    });
    await queue.connect();
    try {
      await queue.enqueue({
        name: 'prefix.probe',
        organizationId: 'org',
        payload: {},
        idempotencyKey: `outbox:${uniqueSuffix()}`,
      });
      const keys = await keysUnder(raw, `${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((key) => key.startsWith(`${prefix}:jobs:`))).toBe(true);
    } finally {
      await queue.close();
    }
  });
});

describe('BullMqJobQueue when Redis is down', () => {
  it('fails enqueue and ping quickly with JobQueueUnavailableError, and works again once Redis is back', async () => {
    const redis = await startThrowawayRedis();
    const queue = new BullMqJobQueue({
      ...CONTRACT_OPTIONS,
      connection: { kind: 'single', url: redis.url },
      prefix: '{fault:jobs}',
      logger,
    });
    try {
      await queue.connect();
      await redis.stop();
      const job = { name: 'fault.probe', organizationId: 'org', payload: {}, idempotencyKey: 'k' };
      const startedAt = Date.now();
      await expect(queue.enqueue(job)).rejects.toBeInstanceOf(JobQueueUnavailableError);
      await expect(queue.ping()).rejects.toBeInstanceOf(JobQueueUnavailableError);
      expect(Date.now() - startedAt).toBeLessThan(4500);
      await redis.start();
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await queue.enqueue(job);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect((await queue.counts()).waiting).toBe(1);
    } finally {
      await queue.close();
      await redis.dispose();
    }
  });
});
