import Redis from 'ioredis';
import { TEST_REDIS_URL, uniqueSuffix } from '../../../test/support/backend';
import { RedisKeyValueStore } from '../../kv/redis-kv-store';
import { describeSessionStore } from './session-store.contract';

const keyPrefix = `test:sessions:${uniqueSuffix()}:`;

describeSessionStore('Redis', async () => {
  const store = new RedisKeyValueStore({
    connection: { kind: 'single', url: TEST_REDIS_URL },
    keyPrefix,
  });
  await store.connect();
  return store;
});

afterAll(async () => {
  const raw = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await raw.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    raw.disconnect();
  }
});
