import Redis, { Cluster, type RedisOptions } from 'ioredis';

export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: one server (REDIS_URL) or the seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisConnection =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string };

/** A client of either kind; both run the same commands, a Cluster routing each by its key's slot. */
export type RedisClient = Redis | Cluster;

/** Options for one connection, whatever its kind (ioredis spells them differently for a Cluster). */
export type ClientOptions = Pick<
  RedisOptions,
  | 'lazyConnect'
  | 'enableOfflineQueue'
  | 'maxRetriesPerRequest'
  | 'connectTimeout'
  | 'commandTimeout'
  | 'disconnectTimeout'
> & {
  /** Delay before reconnect attempt `n`; the same policy for a server and for the whole cluster. */
  retryStrategy: (attempt: number) => number;
};

export function createRedisClient(
  connection: RedisConnection,
  options: ClientOptions,
): RedisClient {
  if (connection.kind === 'single') return new Redis(connection.url, options);
  const { lazyConnect, enableOfflineQueue, retryStrategy, ...perNode } = options;
  return new Cluster(connection.nodes, {
    lazyConnect,
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...perNode, username: connection.username, password: connection.password },
  });
}

/** Where the connection goes, without credentials, for error messages. */
export function describeRedisConnection(connection: RedisConnection): string {
  if (connection.kind === 'cluster')
    return `the Redis Cluster at ${connection.nodes.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  try {
    const url = new URL(connection.url);
    return `Redis at ${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the configured REDIS_URL';
  }
}
