import Redis from 'ioredis';
import { TEST_REDIS_URL, uniqueSuffix } from '../../test/support/backend';
import { MOVE_VALUE } from './kv-store.atomic.contract';
import { describeKeyValueStoreContract } from './kv-store.contract';
import { RedisKeyValueStore } from './redis-kv-store';

// The adapter does not depend on the backend mode; the embedded run needs no Redis at all.

/** Every key under `prefix`, found with SCAN so a big shared Redis is never blocked by KEYS. */
async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

describe('RedisKeyValueStore against a real Redis', () => {
  // A unique prefix per run: runs on a shared Redis never collide, and cleanup finds every key.
  const keyPrefix = `test:kv:${uniqueSuffix()}:`;
  let raw: Redis;

  const createStore = async (prefix = keyPrefix): Promise<RedisKeyValueStore> => {
    const store = new RedisKeyValueStore({
      connection: { kind: 'single', url: TEST_REDIS_URL },
      keyPrefix: prefix,
    });
    await store.connect();
    return store;
  };

  beforeAll(() => {
    raw = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const leftovers = await keysUnder(raw, keyPrefix);
    if (leftovers.length > 0) await raw.unlink(...leftovers);
    await raw.quit();
  });

  describeKeyValueStoreContract('RedisKeyValueStore', () => createStore());

  describe('key prefix', () => {
    let store: RedisKeyValueStore;
    beforeAll(async () => {
      store = await createStore();
    });
    afterAll(async () => {
      await store.close();
    });

    it('stores every key under the configured prefix and nowhere else', async () => {
      const key = `system:auth:probe:${uniqueSuffix()}`;
      await store.set(key, 'value');
      await store.setAdd(`${key}:set`, ['member']);
      await store.increment(`${key}:counter`, 60);
      expect(await raw.get(keyPrefix + key)).toBe('value');
      expect(await raw.smembers(`${keyPrefix}${key}:set`)).toEqual(['member']);
      expect(await raw.get(`${keyPrefix}${key}:counter`)).toBe('1');
      expect(await raw.exists(key, `${key}:set`, `${key}:counter`)).toBe(0);
    });

    it('prefixes the keys a script receives', async () => {
      const tag = uniqueSuffix();
      const [from, to] = [`org:{${tag}}:from`, `org:{${tag}}:to`];
      await raw.set(keyPrefix + from, 'payload');
      expect(await store.runScript(MOVE_VALUE, [from, to], [0])).toBe('payload');
      expect(await raw.get(keyPrefix + to)).toBe('payload');
      expect(await raw.exists(keyPrefix + from, to)).toBe(0);
    });

    it('keeps stores with different prefixes apart', async () => {
      const other = await createStore(`${keyPrefix}other:`);
      try {
        const key = `isolated:${uniqueSuffix()}`;
        await store.set(key, 'mine');
        expect(await other.get(key)).toBeNull();
        expect(await other.setIfAbsent(key, 'theirs')).toBe(true);
        expect(await store.get(key)).toBe('mine');
      } finally {
        await other.close();
      }
    });
  });

  describe('cleanup', () => {
    it('finds every key this run created under its prefix and removes them', async () => {
      const store = await createStore();
      await store.set(`cleanup:${uniqueSuffix()}`, 'x');
      await store.close();
      const keys = await keysUnder(raw, keyPrefix);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((key) => key.startsWith(keyPrefix))).toBe(true);
      expect(await raw.unlink(...keys)).toBe(keys.length);
      expect(await keysUnder(raw, keyPrefix)).toEqual([]);
    });
  });
});
