import { createConnection } from 'mysql2/promise';
import { MIGRATIONS } from '../../migrations';
import { createMysqlDatabase, type TestDatabase } from '../support/backend';
import { type CommandResult, runBuiltCommand } from '../support/built-cli';
import { testEnv } from '../support/test-app';
import { sleep } from '../support/time';

const MIGRATION_NAMES = MIGRATIONS.map((migration) => new migration().name ?? migration.name);

const migrate = (database: TestDatabase): Promise<CommandResult> =>
  runBuiltCommand('migration', ['run'], testEnv('mysql', database.url, { LOG_LEVEL: 'warn' }));

const appliedBy = (result: CommandResult): string[] =>
  result.stdout
    .split('\n')
    .filter((line) => line.startsWith('Applied '))
    .map((line) => line.slice('Applied '.length));

async function migrationRows(database: TestDatabase): Promise<string[]> {
  const connection = await createConnection(database.url);
  try {
    const [rows] = await connection.query('SELECT name FROM migrations ORDER BY id');
    return (rows as { name: string }[]).map((row) => row.name);
  } finally {
    await connection.end();
  }
}

describe('migration runs on one MariaDB database', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createMysqlDatabase();
  });
  afterEach(async () => {
    await database?.drop();
  });

  it('two runs started at once both exit 0 and apply every migration exactly once', async () => {
    const [first, second] = await Promise.all([migrate(database), migrate(database)]);
    expect([first, second].map((result) => [result.status, result.stderr])).toEqual([
      [0, ''],
      [0, ''],
    ]);
    // One run did the work, the other waited for the lock and found nothing pending.
    expect([...appliedBy(first), ...appliedBy(second)].sort()).toEqual([...MIGRATION_NAMES].sort());
    expect(await migrationRows(database)).toEqual(MIGRATION_NAMES);
  });

  it('waits while another session holds the lock, then applies the migrations', async () => {
    const holder = await createConnection(database.url);
    try {
      const lockName = `${database.url.split('/').at(-1)}.migrations`;
      await holder.query('SELECT GET_LOCK(?, 0)', [lockName]);
      const run = migrate(database);
      await sleep(2000);
      const [tables] = await holder.query("SHOW TABLES LIKE 'migrations'");
      expect(tables).toEqual([]);
      await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
      const result = await run;
      expect(result.status).toBe(0);
      expect(appliedBy(result)).toEqual(MIGRATION_NAMES);
    } finally {
      await holder.end();
    }
  });
});
