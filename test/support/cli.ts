import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { CliIo } from '../../src/cli/cli-support';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { TEST_BACKEND, type TestDatabase } from './backend';
import { testEnv } from './test-app';

/** In-process operator commands: their output, their environment, and what they left in the database. */

export const MIGRATION_NAMES = MIGRATIONS.map(
  (migration) => new migration().name ?? migration.name,
);

export interface Captured extends CliIo {
  stdout: string[];
  stderr: string[];
  text(): string;
}

export function capture(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    text: () => [...stdout, ...stderr].join('\n'),
  };
}

/** The environment a command gets: the test defaults for this backend (never the shell's), app logs quiet. */
export function envFor(
  database: TestDatabase,
  extra: Record<string, string> = {},
): Record<string, string> {
  return testEnv(TEST_BACKEND, database.url, { LOG_LEVEL: 'warn', ...extra });
}

/** A connection of the test's own, to look at what the commands left behind. */
export async function inspect<T>(
  database: TestDatabase,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  const dataSource = new DataSource(
    buildDataSourceOptions(loadConfig(testEnv(TEST_BACKEND, database.url)).database),
  );
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

export async function tableNames(dataSource: DataSource): Promise<string[]> {
  const sql =
    dataSource.options.type === 'mysql'
      ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
  const rows: { name: string }[] = await dataSource.query(sql);
  return rows.map((row) => row.name).sort();
}

/** Every row of every table, in a stable order: equal snapshots mean nothing was inserted, updated or deleted. */
export async function snapshot(database: TestDatabase): Promise<Record<string, unknown[]>> {
  return inspect(database, async (dataSource) => {
    const tables: Record<string, unknown[]> = {};
    for (const table of await tableNames(dataSource)) {
      const rows: Record<string, unknown>[] = await dataSource.query(`SELECT * FROM ${table}`);
      tables[table] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return tables;
  });
}

export const counts = (tables: Record<string, unknown[]>): Record<string, number> =>
  Object.fromEntries(Object.entries(tables).map(([table, rows]) => [table, rows.length]));

export async function appliedMigrations(database: TestDatabase): Promise<number> {
  return inspect(
    database,
    async (dataSource) => (await dataSource.query<unknown[]>('SELECT * FROM migrations')).length,
  );
}
