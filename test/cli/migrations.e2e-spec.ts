import { DataSource, type Table } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { DatabaseConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import {
  createMysqlDatabase,
  createSqliteDatabase,
  describeMysqlOnly,
  type TestDatabase,
} from '../support/backend';

/** Names of the tables in the connection's own database (getTables() alone would list every schema on MySQL). */
async function tableNames(dataSource: DataSource): Promise<string[]> {
  const sql =
    dataSource.options.type === 'mysql'
      ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
  const rows: { name: string }[] = await dataSource.query(sql);
  return rows
    .map((row) => row.name)
    .filter((name) => name !== 'migrations')
    .sort();
}

/** Tables, columns and indices, in a form two runs of the same migrations must agree on. */
async function schemaOf(dataSource: DataSource): Promise<Record<string, unknown>> {
  const runner = dataSource.createQueryRunner();
  try {
    const tables: Table[] = await runner.getTables(await tableNames(dataSource));
    return Object.fromEntries(
      tables
        .filter((table) => table.name !== 'migrations')
        .map((table): [string, unknown] => [
          table.name,
          {
            columns: table.columns
              .map((column) => `${column.name} ${column.type}${column.isNullable ? ' null' : ''}`)
              .sort(),
            indices: table.indices.map((index) => index.name).sort(),
            uniques: table.uniques.map((unique) => unique.columnNames.join(',')).sort(),
            foreignKeys: table.foreignKeys
              .map((fk) => `${fk.columnNames.join(',')}->${fk.referencedTableName}`)
              .sort(),
          },
        ])
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  } finally {
    await runner.release();
  }
}

async function appliedCount(dataSource: DataSource): Promise<number> {
  const rows: unknown[] = await dataSource.query('SELECT * FROM migrations');
  return rows.length;
}

/**
 * Every migration in MIGRATIONS runs up, all the way down again and up once more,
 * unchanged, on both dialects; whatever the list holds when this runs.
 */
function migrationRoundTrip(
  makeDatabase: () => Promise<TestDatabase>,
  toConfig: (url: string) => DatabaseConfig,
): void {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await makeDatabase();
    dataSource = new DataSource(buildDataSourceOptions(toConfig(database.url)));
    await dataSource.initialize();
  });
  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  it('has migrations to run', () => {
    expect(MIGRATIONS.length).toBeGreaterThan(0);
  });

  let firstSchema: Record<string, unknown>;

  it('runs every migration up', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((migration) => migration.name)).toEqual(
      MIGRATIONS.map((migration) => new migration().name ?? migration.name),
    );
    expect(await appliedCount(dataSource)).toBe(MIGRATIONS.length);
    firstSchema = await schemaOf(dataSource);
    expect(Object.keys(firstSchema).length).toBeGreaterThan(0);
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('runs every migration down again, leaving no table behind', async () => {
    for (let i = 0; i < MIGRATIONS.length; i += 1)
      await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await appliedCount(dataSource)).toBe(0);
    expect(await tableNames(dataSource)).toEqual([]);
  });

  it('runs every migration up once more, to the same schema', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(await schemaOf(dataSource)).toEqual(firstSchema);
  });
}

describe('migrations on SQLite', () => {
  migrationRoundTrip(
    () => Promise.resolve(createSqliteDatabase()),
    (url) => ({ type: 'sqlite', path: url.slice('sqlite:'.length), runMigrations: false }),
  );
});

describeMysqlOnly('migrations on MariaDB / MySQL', () => {
  migrationRoundTrip(createMysqlDatabase, (url) => ({
    type: 'mysql',
    url,
    replicaUrls: [],
    poolSize: 2,
    runMigrations: false,
  }));
});
