import { loadConfig } from './app-config';
import { problemsOf } from '../../test/support/config-problems';

// What scaling out configures: a Redis Cluster and MySQL read replicas.
describe('loadConfig, scaling out', () => {
  describe('Redis Cluster', () => {
    it('reads the seed nodes and their credentials, and serves several instances', () => {
      const config = loadConfig({
        DATABASE_URL: 'mysql://app:pw@db:3306/app',
        REDIS_CLUSTER_NODES: 'cache-1:7000, redis://app:s%40cret@cache-2:7001,cache-3:7002',
      });
      expect(config.redis.connection).toEqual({
        kind: 'cluster',
        nodes: [
          { host: 'cache-1', port: 7000 },
          { host: 'cache-2', port: 7001 },
          { host: 'cache-3', port: 7002 },
        ],
        username: 'app',
        password: 's@cret',
      });
      expect(config.embedded).toBe(false);
      expect(config.jobs.queuePrefix).toBe('{saas:jobs}');
    });

    it('takes the cluster for Redis in production and for WORKERS=off', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        REDIS_CLUSTER_NODES: 'cache-1:7000',
        WORKERS: 'off',
      });
      expect(problems.filter((problem) => /REDIS|WORKERS/.test(problem))).toEqual([]);
    });

    it('refuses REDIS_URL and REDIS_CLUSTER_NODES together', () => {
      expect(
        problemsOf({ REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: 'cache-1:7000' }),
      ).toEqual(['REDIS_URL and REDIS_CLUSTER_NODES exclude each other: set one']);
    });
  });

  describe('read replicas', () => {
    const primary = { DATABASE_URL: 'mysql://app:pw@db:3306/app' };

    it('reads DATABASE_REPLICA_URLS as mysql:// URLs, in order', () => {
      const config = loadConfig({
        ...primary,
        DATABASE_REPLICA_URLS: 'mariadb://ro:pw@replica-1:3306/app, mysql://ro:pw@replica-2/app',
      });
      expect(config.database).toMatchObject({
        replicaUrls: ['mysql://ro:pw@replica-1:3306/app', 'mysql://ro:pw@replica-2/app'],
      });
    });

    it.each([
      ['a URL of another scheme', 'postgres://replica/app', 'is not a mysql:// URL'],
      ['a URL without a database', 'mysql://replica:3306', 'is not a mysql:// URL'],
      ['an empty entry', 'mysql://replica/app,', 'is not a mysql:// URL'],
      ['the same replica twice', 'mysql://replica/app,mysql://replica/app', 'twice'],
    ])('refuses %s', (_case, value, problem) => {
      expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: value })).toThrow(problem);
    });

    it('refuses replicas without a mysql:// primary', () => {
      expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'mysql://replica/app' })).toThrow(
        'DATABASE_REPLICA_URLS needs a mysql:// DATABASE_URL',
      );
    });

    it('accepts 16 replicas and refuses a 17th', () => {
      const replicas = (count: number) =>
        Array.from({ length: count }, (_, i) => `mysql://replica-${i}/app`).join(',');
      const { database } = loadConfig({ ...primary, DATABASE_REPLICA_URLS: replicas(16) });
      expect(database.type === 'mysql' ? database.replicaUrls : []).toHaveLength(16);
      expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: replicas(17) })).toThrow(
        'more than 16 replicas',
      );
    });
  });
});
