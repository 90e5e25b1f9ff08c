import type { DataSource, EntityManager } from 'typeorm';
import type { MysqlConnectionOptions } from 'typeorm/driver/mysql/MysqlConnectionOptions';

/**
 * Read replicas (DATABASE_REPLICA_URLS). Every read goes to the primary unless its repository
 * wraps it in readFromReplica (onReplica in a tenant-scoped repository): the one, greppable way
 * to accept data that may lag the primary by the replication delay. docs/operations.md lists
 * which reads do, and replica-reads.spec.ts holds the code to that list.
 */

/** How many replicas the data source reads from (0 without DATABASE_REPLICA_URLS, and on SQLite). */
export function replicaCount(dataSource: DataSource): number {
  if (dataSource.options.type !== 'mysql') return 0;
  const options: MysqlConnectionOptions = dataSource.options;
  return options.replication?.slaves.length ?? 0;
}

/**
 * Runs a read on a replica, on the manager it is given. Without replicas it runs on the
 * primary; when no replica gives a connection it runs on the primary too, so a replica outage
 * slows list reads down to the primary's pace instead of failing them.
 */
export async function readFromReplica<R>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<R>,
): Promise<R> {
  if (replicaCount(dataSource) === 0) return work(dataSource.manager);
  const runner = dataSource.createQueryRunner('slave');
  try {
    try {
      await runner.connect();
    } catch {
      return await work(dataSource.manager);
    }
    return await work(runner.manager);
  } finally {
    await runner.release();
  }
}

/** The part of mysql2's PoolCluster (TypeORM's driver.poolCluster, typed `any` there) that a ping needs. */
interface PoolCluster {
  of(pattern: string): {
    query(sql: string, values: unknown[], done: (error: Error | null) => void): void;
  };
}

/** Sends `SELECT 1` to replica `index` (in DATABASE_REPLICA_URLS order) through the app's own pool. */
export function pingReplica(dataSource: DataSource, index: number): Promise<void> {
  const cluster = (dataSource.driver as unknown as { poolCluster: PoolCluster }).poolCluster;
  return new Promise((resolve, reject) => {
    // TypeORM names the replicas' pools SLAVE0, SLAVE1, … in the order they are configured.
    cluster.of(`SLAVE${index}`).query('SELECT 1', [], (error: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
