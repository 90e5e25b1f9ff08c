import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

/**
 * Which backends the e2e tier runs against: `mysql` (MariaDB + Redis, the default) or
 * `embedded` (SQLite file + in-process store). scripts/test.mjs runs the tier once per mode.
 */
export type TestBackend = 'mysql' | 'embedded';

export const TEST_BACKEND: TestBackend =
  process.env.TEST_BACKEND === 'embedded' ? 'embedded' : 'mysql';
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

let uniqueCounter = 0;
/** A short name part no other call in this process returns. */
export function unique(): string {
  uniqueCounter += 1;
  return `${uniqueCounter.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

export interface TestDatabase {
  /** Value for DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

/** A freshly created, empty MariaDB database, dropped again by `drop()`. */
export async function createMysqlDatabase(): Promise<TestDatabase> {
  const name = `test_${uniqueSuffix()}`;
  const admin = await createConnection(TEST_MYSQL_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    url: `${TEST_MYSQL_URL.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const connection = await createConnection(TEST_MYSQL_URL);
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}

/** A fresh SQLite file in a temporary folder, removed by `drop()`. */
export function createSqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'saas-api-test-'));
  return {
    url: `sqlite:${join(dir, 'app.sqlite')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function createTestDatabase(backend: TestBackend = TEST_BACKEND): Promise<TestDatabase> {
  return backend === 'mysql' ? createMysqlDatabase() : Promise.resolve(createSqliteDatabase());
}

/**
 * Suites for one backend only are *defined* only in that run, not skipped in the other, so no
 * run reports skipped tests. Whole files that need MariaDB + Redis are named `*.services.e2e-spec.ts`
 * or `*.services.int-spec.ts`; scripts/test.mjs leaves them out of the embedded run.
 */
export function describeMysqlOnly(name: string, suite: () => void): void {
  if (TEST_BACKEND === 'mysql') describe(name, suite);
}

export function describeEmbeddedOnly(name: string, suite: () => void): void {
  if (TEST_BACKEND === 'embedded') describe(name, suite);
}
