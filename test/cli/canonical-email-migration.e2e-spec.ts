import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { CanonicalEmails1796160126376 } from '../../migrations/1796160126376-CanonicalEmails';
import type { DatabaseConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import {
  createMysqlDatabase,
  createSqliteDatabase,
  describeMysqlOnly,
  type TestDatabase,
} from '../support/backend';

const NOW = '2026-01-01 00:00:00.000';

/** Rows written before the migration, as older code stored them (trimmed only, or normalized without NFKC). */
const ids = {
  acme: randomUUID(),
  globex: randomUUID(),
  admin: randomUUID(),
  /** `𝐚dmin`: a different address to MySQL's collation (and to SQLite), the same one canonically. */
  boldAdmin: randomUUID(),
  adminAtGlobex: randomUUID(),
  fullwidthOther: randomUUID(),
  root: randomUUID(),
  boldRoot: randomUUID(),
  boss: randomUUID(),
};

async function seedLegacyRows(dataSource: DataSource): Promise<void> {
  for (const [id, subdomain] of [
    [ids.acme, 'acme'],
    [ids.globex, 'globex'],
  ]) {
    await dataSource.query(
      'INSERT INTO organizations (id, name, subdomain, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      [id, subdomain, subdomain, 'active', NOW, NOW],
    );
  }
  const users: [string, string, string][] = [
    [ids.admin, ids.acme, 'admin@acme.test'],
    [ids.boldAdmin, ids.acme, '\u{1d41a}dmin@acme.test'],
    [ids.adminAtGlobex, ids.globex, 'ADMIN@acme.test'],
    [ids.fullwidthOther, ids.acme, '\uff2fther@ACME.test'],
  ];
  for (const [id, organizationId, email] of users) {
    await dataSource.query(
      'INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [id, organizationId, email, 'x'.repeat(60), 'A', 'B', 'active', NOW, NOW],
    );
  }
  for (const [id, email] of [
    [ids.root, 'root@platform.test'],
    [ids.boldRoot, '\u{1d42b}oot@platform.test'],
    [ids.boss, 'Boss@Platform.test'],
  ]) {
    await dataSource.query(
      'INSERT INTO superusers (id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
      [id, email, 'x'.repeat(60), NOW, NOW],
    );
  }
}

async function emailsById(dataSource: DataSource, table: string): Promise<Record<string, string>> {
  const rows = await dataSource.query<{ id: string; email: string }[]>(
    `SELECT id, email FROM ${table}`,
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.email]));
}

async function emailCollations(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ collation: string }[]>(
    `SELECT collation_name AS collation FROM information_schema.columns
     WHERE table_schema = DATABASE() AND column_name = 'email'
       AND table_name IN ('users', 'superusers') ORDER BY table_name`,
  );
  return rows.map((row) => row.collation);
}

function canonicalEmailMigration(
  makeDatabase: () => Promise<TestDatabase>,
  toConfig: (url: string) => DatabaseConfig,
): void {
  let database: TestDatabase;
  let dataSource: DataSource;
  let legacy: { users: Record<string, string>; superusers: Record<string, string> };

  beforeAll(async () => {
    database = await makeDatabase();
    const options = buildDataSourceOptions(toConfig(database.url));
    const earlier = MIGRATIONS.slice(0, MIGRATIONS.indexOf(CanonicalEmails1796160126376));
    const before = new DataSource({ ...options, migrations: earlier });
    await before.initialize();
    await before.runMigrations({ transaction: 'each' });
    await seedLegacyRows(before);
    await before.destroy();
    dataSource = new DataSource(options);
    await dataSource.initialize();
    legacy = {
      users: await emailsById(dataSource, 'users'),
      superusers: await emailsById(dataSource, 'superusers'),
    };
  });
  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  it('refuses while two accounts would share an address, naming their ids, not their emails', async () => {
    const failure = await dataSource.runMigrations({ transaction: 'each' }).then(
      () => new Error('the migration ran'),
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/^CanonicalEmails: 2 group\(s\) of accounts would share/);
    expect(failure.message).toContain(`users (ids ${ids.admin}, ${ids.boldAdmin})`);
    expect(failure.message).toContain(`superusers (ids ${ids.root}, ${ids.boldRoot})`);
    expect(failure.message).not.toMatch(/admin@|root@|acme\.test/i);
    // Nothing changed and the migration stays pending, so it runs again once resolved.
    expect(await emailsById(dataSource, 'users')).toEqual(legacy.users);
    expect(await emailsById(dataSource, 'superusers')).toEqual(legacy.superusers);
    expect(await dataSource.showMigrations()).toBe(true);
  });

  it('converts every row to the canonical form once the collisions are resolved', async () => {
    await dataSource.query('DELETE FROM users WHERE id = ?', [ids.boldAdmin]);
    await dataSource.query('DELETE FROM superusers WHERE id = ?', [ids.boldRoot]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((migration) => migration.name)).toContain(
      new CanonicalEmails1796160126376().name,
    );
    expect(await emailsById(dataSource, 'users')).toEqual({
      [ids.admin]: 'admin@acme.test',
      [ids.adminAtGlobex]: 'admin@acme.test',
      [ids.fullwidthOther]: 'other@acme.test',
    });
    expect(await emailsById(dataSource, 'superusers')).toEqual({
      [ids.root]: 'root@platform.test',
      [ids.boss]: 'boss@platform.test',
    });
  });
}

describe('the canonical email migration on SQLite', () => {
  canonicalEmailMigration(
    () => Promise.resolve(createSqliteDatabase()),
    (url) => ({ type: 'sqlite', path: url.slice('sqlite:'.length), runMigrations: false }),
  );
});

describeMysqlOnly('the canonical email migration on MariaDB / MySQL', () => {
  const config = (url: string): DatabaseConfig => ({
    type: 'mysql',
    url,
    replicaUrls: [],
    poolSize: 2,
    runMigrations: false,
  });
  canonicalEmailMigration(createMysqlDatabase, config);

  it('switches the email columns to a binary collation, and back on revert', async () => {
    const database = await createMysqlDatabase();
    const dataSource = new DataSource(buildDataSourceOptions(config(database.url)));
    try {
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'each' });
      expect(await emailCollations(dataSource)).toEqual(['utf8mb4_bin', 'utf8mb4_bin']);
      const position = MIGRATIONS.indexOf(CanonicalEmails1796160126376);
      for (let applied = MIGRATIONS.length; applied > position; applied -= 1)
        await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await emailCollations(dataSource)).toEqual([
        'utf8mb4_unicode_ci',
        'utf8mb4_unicode_ci',
      ]);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
