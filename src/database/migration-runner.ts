import { DataSource, MigrationExecutor, type QueryRunner } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { buildDataSourceOptions, primaryOnly } from './data-source-options';

/**
 * How migrations are applied and reverted, by the app at boot (DatabaseModule) and by the
 * commands in src/cli/. Each migration runs in its own transaction. What TypeORM runs is
 * MIGRATIONS from migrations/index.ts, through buildDataSourceOptions.
 *
 * On MySQL/MariaDB every run holds a named lock (GET_LOCK) for its whole duration, so two
 * processes started at once (two replicas, a deploy's migrate job and a seed) take turns: the
 * second finds the work done and applies nothing. SQLite takes no lock: the embedded backend
 * is one process by design.
 */

/** How long a run waits for another process's run to finish before it gives up. */
const MIGRATION_LOCK_TIMEOUT_SECONDS = 300;

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

/** A connection to the primary for one CLI run; the caller destroys it. */
export async function openDataSource(database: DatabaseConfig): Promise<DataSource> {
  const dataSource = new DataSource(buildDataSourceOptions(primaryOnly(database)));
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

/** On `queryRunner` when given: inside the lock, the run's own connection (a pool of one has no other). */
async function appliedNames(dataSource: DataSource, queryRunner?: QueryRunner): Promise<string[]> {
  return (await new MigrationExecutor(dataSource, queryRunner).getExecutedMigrations()).map(
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

/** A migration run that could not start because another run kept the lock for too long. */
export class MigrationLockTimeoutError extends Error {
  constructor(readonly lockName: string) {
    super(
      `Another migration run has held the lock "${lockName}" for over ${MIGRATION_LOCK_TIMEOUT_SECONDS}s; try again when it has finished`,
    );
    this.name = 'MigrationLockTimeoutError';
  }
}

/** Lock names are server-wide (at most 64 characters): one lock per database. */
const LOCK_NAME_SQL = "CONCAT(LEFT(DATABASE(), 48), '.migrations')";

/**
 * Runs `work` on one connection that holds the database's migration lock (MySQL) and releases
 * both afterwards.
 */
async function withMigrationLock<T>(
  dataSource: DataSource,
  work: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    if (dataSource.options.type !== 'mysql') return await work(queryRunner);
    // 1 when acquired, 0 on timeout, NULL on an error such as a killed thread.
    const [{ acquired, lockName }] = (await queryRunner.query(
      `SELECT GET_LOCK(${LOCK_NAME_SQL}, ?) AS acquired, ${LOCK_NAME_SQL} AS lockName`,
      [MIGRATION_LOCK_TIMEOUT_SECONDS],
    )) as { acquired: number | string | null; lockName: string }[];
    if (Number(acquired) !== 1) throw new MigrationLockTimeoutError(lockName);
    try {
      return await work(queryRunner);
    } finally {
      await queryRunner.query(`SELECT RELEASE_LOCK(${LOCK_NAME_SQL})`);
    }
  } finally {
    await queryRunner.release();
  }
}

function executorOn(dataSource: DataSource, queryRunner: QueryRunner): MigrationExecutor {
  const executor = new MigrationExecutor(dataSource, queryRunner);
  executor.transaction = 'each';
  return executor;
}

/** Applies every pending migration, in order, under the lock; returns the names applied (empty when up to date). */
export async function applyPendingMigrations(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async (queryRunner) => {
    const before = new Set(await appliedNames(dataSource, queryRunner));
    try {
      const applied = await executorOn(dataSource, queryRunner).executePendingMigrations();
      return applied.map((migration) => migration.name);
    } catch (error) {
      const after = await appliedNames(dataSource, queryRunner).catch(() => [...before]);
      throw new MigrationRunError(
        after.filter((name) => !before.has(name)),
        error,
      );
    }
  });
}

/** Reverts the most recently applied migration, under the lock; returns its name, or null when none is applied. */
export async function revertLastMigration(dataSource: DataSource): Promise<string | null> {
  const { before, after } = await withMigrationLock(dataSource, async (queryRunner) => {
    const appliedBefore = await appliedNames(dataSource, queryRunner);
    if (appliedBefore.length > 0) await executorOn(dataSource, queryRunner).undoLastMigration();
    return { before: appliedBefore, after: new Set(await appliedNames(dataSource, queryRunner)) };
  });
  if (before.length === 0) return null;
  const reverted = before.filter((name) => !after.has(name));
  if (reverted.length !== 1) {
    // TypeORM reverts only migrations it has code for; an applied one unknown here stays.
    throw new Error(`Could not revert the last applied migration (applied: ${before.join(', ')})`);
  }
  return reverted[0];
}
