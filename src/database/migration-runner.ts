import { DataSource, MigrationExecutor } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

/**
 * Migrations outside the running app: the migration CLI, the seed and superuser:create.
 * Each migration runs in its own transaction, as at boot (DatabaseModule). What TypeORM runs
 * is MIGRATIONS from migrations/index.ts, through buildDataSourceOptions.
 */

export interface MigrationState {
  name: string;
  applied: boolean;
}

export interface MigrationStatus {
  /** Every migration the code knows, in order, with whether the database has applied it. */
  migrations: MigrationState[];
  pending: string[];
  /** Applied in the database but unknown to this code (a newer branch ran them, or a file was removed). */
  unknownApplied: string[];
}

/** A connection for one CLI run; the caller destroys it. */
export async function openDataSource(database: DatabaseConfig): Promise<DataSource> {
  const dataSource = new DataSource(buildDataSourceOptions(database));
  await dataSource.initialize();
  return dataSource;
}

/** Runs `work` on a fresh connection and always closes it. */
export async function withDataSource<T>(
  database: DatabaseConfig,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  const dataSource = await openDataSource(database);
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function appliedNames(dataSource: DataSource): Promise<string[]> {
  return (await new MigrationExecutor(dataSource).getExecutedMigrations()).map(
    (migration) => migration.name,
  );
}

export async function migrationStatus(dataSource: DataSource): Promise<MigrationStatus> {
  const applied = new Set(await appliedNames(dataSource));
  const known = dataSource.migrations.map(
    (migration) => migration.name ?? migration.constructor.name,
  );
  const migrations = known.map((name) => ({ name, applied: applied.has(name) }));
  return {
    migrations,
    pending: migrations
      .filter((migration) => !migration.applied)
      .map((migration) => migration.name),
    unknownApplied: [...applied].filter((name) => !known.includes(name)),
  };
}

/** Error from a migration run, carrying the migrations that did commit before it (each runs in its own transaction). */
export class MigrationRunError extends Error {
  constructor(
    readonly applied: string[],
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'MigrationRunError';
  }
}

/** Applies every pending migration, in order; returns the names applied (empty when up to date). */
export async function applyPendingMigrations(dataSource: DataSource): Promise<string[]> {
  const before = new Set(await appliedNames(dataSource));
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } catch (error) {
    const committed = (await appliedNames(dataSource).catch(() => [...before])).filter(
      (name) => !before.has(name),
    );
    throw new MigrationRunError(committed, error);
  }
}

/** Reverts the most recently applied migration; returns its name, or null when none is applied. */
export async function revertLastMigration(dataSource: DataSource): Promise<string | null> {
  const before = await appliedNames(dataSource);
  if (before.length === 0) return null;
  await dataSource.undoLastMigration({ transaction: 'each' });
  const after = new Set(await appliedNames(dataSource));
  const reverted = before.filter((name) => !after.has(name));
  if (reverted.length !== 1) {
    // TypeORM reverts only migrations it has code for; an applied one unknown here stays.
    throw new Error(`Could not revert the last applied migration (applied: ${before.join(', ')})`);
  }
  return reverted[0];
}

/** Where a database config points, for CLI output: never the password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.type === 'sqlite') return `SQLite ${database.path}`;
  const url = new URL(database.url);
  return `MySQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}
