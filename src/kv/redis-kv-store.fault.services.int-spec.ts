import Redis from 'ioredis';
import { startThrowawayRedis, type ThrowawayRedis } from '../../test/support/throwaway-redis';
import { MOVE_VALUE } from './kv-store.atomic.contract';
import { sleep } from './kv-store.contract';
import { type KeyValueStore, KvUnavailableError } from './kv-store';
import { RedisKeyValueStore } from './redis-kv-store';

// Runs against its own redis-server, which it stops and starts: never the shared one.

/** Well under a second: a request must fail, not wait for a Redis that is not there. */
const FAST_MS = 250;

async function waitUntil(check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** Two keys of one hash slot, as every call naming several keys needs. */
const [A, B] = ['{fault}:a', '{fault}:b'];

/** One call of every command, so none of them can slip into an unbounded queue unnoticed. */
const everyCommand = (store: KeyValueStore): [string, () => Promise<unknown>][] => [
  ['get', () => store.get(A)],
  ['getMany', () => store.getMany([A, B])],
  ['set', () => store.set(A, '1', 10)],
  ['setIfAbsent', () => store.setIfAbsent(A, '1')],
  ['delete', () => store.delete(A)],
  ['increment', () => store.increment('counter', 10)],
  ['ttl', () => store.ttl(A)],
  ['expire', () => store.expire(A, 10)],
  ['getAndDelete', () => store.getAndDelete(A)],
  ['compareAndSet', () => store.compareAndSet(A, null, '1')],
  ['setAdd', () => store.setAdd('set', ['m'], 10)],
  ['setRemove', () => store.setRemove('set', ['m'])],
  ['setMembers', () => store.setMembers('set')],
  ['runScript', () => store.runScript(MOVE_VALUE, [A, B], [0])],
  ['ping', () => store.ping()],
];

describe('RedisKeyValueStore when Redis fails', () => {
  let redis: ThrowawayRedis;
  let store: RedisKeyValueStore;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    store = new RedisKeyValueStore({
      connection: { kind: 'single', url: redis.url },
      keyPrefix: 'fault:',
    });
    await store.connect();
  });

  afterAll(async () => {
    await store.close();
    await redis.dispose();
  });

  it('works while Redis is up', async () => {
    await store.set(A, 'before');
    expect(await store.get(A)).toBe('before');
    // Loads the script into this server's cache; after the restart the cache is empty (NOSCRIPT path).
    expect(await store.runScript(MOVE_VALUE, [A, B], [0])).toBe('before');
  });

  it('rejects every command fast with KvUnavailableError while Redis is stopped', async () => {
    await redis.stop();
    for (const [name, command] of everyCommand(store)) {
      const started = performance.now();
      const outcome = await command().then(
        () => 'resolved',
        (error: unknown) => error,
      );
      const elapsed = performance.now() - started;
      expect({ name, isUnavailable: outcome instanceof KvUnavailableError }).toEqual({
        name,
        isUnavailable: true,
      });
      expect({ name, fast: elapsed < FAST_MS }).toEqual({ name, fast: true });
    }
  });

  it('fails fast at connect() while nothing listens', async () => {
    const orphan = new RedisKeyValueStore({
      connection: { kind: 'single', url: redis.url },
      keyPrefix: 'fault:',
    });
    const started = performance.now();
    const failure = await orphan.connect().then(
      () => null,
      (error: unknown) => error,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(failure).toBeInstanceOf(KvUnavailableError);
    expect((failure as Error).message).toMatch(
      `Cannot connect to Redis at ${redis.url}: connect ECONNREFUSED`,
    );
    await orphan.close();
  });

  it('reconnects on its own once Redis is back, with the same store instance', async () => {
    await redis.start();
    // The retry strategy backs off to one attempt every 2 seconds.
    await waitUntil(() => store.ping(), 5000);
    await store.set(A, 'after');
    expect(await store.get(A)).toBe('after');
    expect(await store.increment('counter', 10)).toMatchObject({ value: 1 });
    expect(await store.setAdd('set', ['m'], 10)).toBe(1);
    expect(await store.runScript(MOVE_VALUE, [A, B], [0])).toBe('after');
    expect(await store.get(B)).toBe('after');
  });

  it('fails a command instead of stalling when Redis hangs', async () => {
    const impatient = new RedisKeyValueStore({
      connection: { kind: 'single', url: redis.url },
      keyPrefix: 'fault:',
      commandTimeoutMs: 200,
    });
    await impatient.connect();
    const admin = new Redis(redis.url);
    try {
      // CLIENT PAUSE holds every client's commands: a Redis that accepts connections but never answers.
      await admin.call('CLIENT', 'PAUSE', '600', 'ALL');
      const started = performance.now();
      await expect(impatient.get(A)).rejects.toBeInstanceOf(KvUnavailableError);
      expect(performance.now() - started).toBeLessThan(800);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      await admin.quit();
      await impatient.close();
    }
  });
});
