import { Cluster } from 'ioredis';
import pino from 'pino';
import { startRedisCluster, type RedisCluster } from '../../test/support/redis-cluster';
import { uniqueSuffix } from '../../test/support/backend';
import { BullMqJobQueue } from '../jobs/bullmq-job-queue';
import { CONTRACT_OPTIONS, describeJobQueueContract } from '../jobs/job-queue.contract';
import { describeSessionStore } from '../modules/sessions/session-store.contract';
import { describeKeyValueStoreContract } from './kv-store.contract';
import { RedisKeyValueStore } from './redis-kv-store';

/**
 * The Redis adapters on a private three-node Redis Cluster: the key-value, session store and
 * job queue contracts, run as on one Redis. The cluster itself refuses a script or a command
 * naming keys of two slots (CROSSSLOT), so every one of them also proves its keys share one.
 */
describe('the Redis adapters on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const keyPrefix = `test:cluster:${uniqueSuffix()}:`;

  const createStore = async (): Promise<RedisKeyValueStore> => {
    const store = new RedisKeyValueStore({ connection: cluster.connection, keyPrefix });
    await store.connect();
    return store;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is a real cluster: three masters share the slots and refuse a cross-slot script', async () => {
    const raw = new Cluster(cluster.connection.kind === 'cluster' ? cluster.connection.nodes : []);
    try {
      await raw.set('{a}:probe', '1');
      expect(raw.nodes('master')).toHaveLength(3);
      await expect(
        raw.eval("return redis.call('GET', KEYS[2])", 2, 'x{a}', 'x{b}'),
      ).rejects.toThrow(/CROSSSLOT/);
    } finally {
      raw.disconnect();
    }
  });

  it('answers ping (the readiness check) and spreads tenants over the masters', async () => {
    const store = await createStore();
    try {
      await expect(store.ping()).resolves.toBeUndefined();
      for (let i = 0; i < 20; i += 1) await store.set(`org:{${uniqueSuffix()}}:spread`, 'x', 60);
      const raw = new Cluster(
        cluster.connection.kind === 'cluster' ? cluster.connection.nodes : [],
      );
      try {
        await raw.ping();
        const sizes = await Promise.all(raw.nodes('master').map((node) => node.dbsize()));
        expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(1);
      } finally {
        raw.disconnect();
      }
    } finally {
      await store.close();
    }
  });

  describeKeyValueStoreContract('RedisKeyValueStore on a Redis Cluster', () => createStore());

  describeSessionStore('a Redis Cluster', () => createStore());

  describeJobQueueContract('BullMqJobQueue on a Redis Cluster', async (options) => {
    const queue = new BullMqJobQueue({
      ...CONTRACT_OPTIONS,
      ...options,
      connection: cluster.connection,
      prefix: `{${keyPrefix}jobs:${uniqueSuffix()}}`,
      logger: pino({ level: 'silent' }),
    });
    await queue.connect();
    return queue;
  });
});
