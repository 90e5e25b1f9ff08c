import Redis from 'ioredis';
import { TEST_REDIS_URL, uniqueSuffix } from '../../test/support/backend';
import { RedisKeyValueStore } from '../kv/redis-kv-store';
import { EXPECTED_SEQUENCE, runRateLimitSequence } from './gcra.contract';

// The Lua twin of gcra.spec.ts: the same hand-worked sequence, on a real Redis.
describe('GCRA rate limit, Lua on Redis', () => {
  const keyPrefix = `test:gcra:${uniqueSuffix()}:`;
  let store: RedisKeyValueStore;

  beforeAll(async () => {
    store = new RedisKeyValueStore({
      connection: { kind: 'single', url: TEST_REDIS_URL },
      keyPrefix,
    });
    await store.connect();
  });
  afterAll(async () => {
    const names = ['ip', 'tenant', 'api-key'];
    for (const run of ['seq', 'ttl'])
      await store.delete(...names.map((name) => `{${run}}:${name}`));
    await store.close();
  });

  it('answers the hand-worked sequence exactly as the local implementation does', async () => {
    expect(await runRateLimitSequence(store, 'seq')).toEqual(EXPECTED_SEQUENCE);
  });

  it('stores the TAT as integer microseconds, with a TTL until the bucket is full again', async () => {
    await runRateLimitSequence(store, 'ttl');
    const raw = new Redis(TEST_REDIS_URL);
    try {
      const value = await raw.get(`${keyPrefix}{ttl}:ip`);
      expect(value).toMatch(/^\d+$/);
      expect(await raw.pttl(`${keyPrefix}{ttl}:ip`)).toBeGreaterThan(0);
    } finally {
      await raw.quit();
    }
  });
});
