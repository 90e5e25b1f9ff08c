import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

/** The embedded backend was asked for, and its driver (an optional dependency) is not installed. */
export class SqliteDriverMissingError extends Error {
  constructor() {
    super(
      'The embedded SQLite backend (DATABASE_URL unset or sqlite:) needs the optional dependency better-sqlite3, ' +
        'which this install leaves out (as the Docker image and `npm ci --omit=optional` do). ' +
        'Install it with `npm install better-sqlite3`, or set DATABASE_URL to a mysql:// URL.',
    );
    this.name = 'SqliteDriverMissingError';
  }
}

/** TypeORM loads the driver itself, on first use; this check only turns its absence into a clear message. */
function assertSqliteDriverInstalled(): void {
  try {
    require.resolve('better-sqlite3');
  } catch {
    throw new SqliteDriverMissingError();
  }
}

/** The same database without its replicas: migrations and the commands of src/cli/ work on the primary alone. */
export function primaryOnly(database: DatabaseConfig): DatabaseConfig {
  return database.type === 'mysql' ? { ...database, replicaUrls: [] } : database;
}

/**
 * TypeORM's replication, with the primary as the default for every read: a read goes to a
 * replica only when its repository asks (readFromReplica, src/database/replica-reads.ts), so a
 * forgotten choice costs the primary some load rather than showing someone stale data.
 * A replica that fails five connections in a row is left out for five seconds, then tried again.
 */
function replication(url: string, replicaUrls: string[]) {
  return {
    master: { url },
    slaves: replicaUrls.map((replicaUrl) => ({ url: replicaUrl })),
    defaultMode: 'master',
    selector: 'RR',
    restoreNodeTimeout: 5000,
  } as const;
}

/** One place that turns the validated database config into TypeORM options, for the app and the CLIs. */
export function buildDataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    // TypeORM drops an undefined (or null) value from a `where`, so `{ id: undefined }` would
    // match any row; every repository, tenant-scoped or not, throws instead.
    invalidWhereValuesBehavior: { undefined: 'throw', null: 'throw' },
  } as const;
  if (database.type === 'mysql') {
    return {
      ...common,
      type: 'mysql',
      ...(database.replicaUrls.length > 0
        ? { replication: replication(database.url, database.replicaUrls) }
        : { url: database.url }),
      poolSize: database.poolSize,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      connectTimeout: 5000,
      // DECIMAL columns stay strings end to end: prices are never floats.
      supportBigNumbers: true,
      bigNumberStrings: true,
    };
  }
  assertSqliteDriverInstalled();
  if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
