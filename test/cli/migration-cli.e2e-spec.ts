import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main as migrationCli } from '../../src/cli/migration';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from '../support/backend';
import { testEnv } from '../support/test-app';
import { appliedMigrations, capture, envFor, MIGRATION_NAMES } from '../support/cli';

/** The migration CLI, called in-process and as the built program. */

describe('migration CLI', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('shows every migration pending on a fresh database', async () => {
    const io = capture();
    expect(await migrationCli(['show'], envFor(database), io)).toBe(0);
    for (const name of MIGRATION_NAMES) expect(io.stdout).toContain(`[ ] ${name}`);
    expect(io.stdout.at(-1)).toBe(`${MIGRATION_NAMES.length} pending.`);
  });

  it('run applies every migration, naming each', async () => {
    const io = capture();
    expect(await migrationCli(['run'], envFor(database), io)).toBe(0);
    expect(io.stdout.filter((line) => line.startsWith('Applied '))).toEqual(
      MIGRATION_NAMES.map((name) => `Applied ${name}`),
    );
    expect(await appliedMigrations(database)).toBe(MIGRATION_NAMES.length);
  });

  it('run again has nothing to do', async () => {
    const io = capture();
    expect(await migrationCli(['run'], envFor(database), io)).toBe(0);
    expect(io.stdout.at(-1)).toMatch(/up to date/);
  });

  it('revert reverts the last migration only', async () => {
    const io = capture();
    expect(await migrationCli(['revert'], envFor(database), io)).toBe(0);
    expect(io.stdout.at(-1)).toBe(`Reverted ${MIGRATION_NAMES.at(-1)}`);
    expect(await appliedMigrations(database)).toBe(MIGRATION_NAMES.length - 1);

    const show = capture();
    expect(await migrationCli(['show'], envFor(database), show)).toBe(0);
    expect(show.stdout).toContain(`[ ] ${MIGRATION_NAMES.at(-1)}`);
    expect(show.stdout).toContain(`[x] ${MIGRATION_NAMES[0]}`);
    expect(show.stdout.at(-1)).toBe('1 pending.');

    const rerun = capture();
    expect(await migrationCli(['run'], envFor(database), rerun)).toBe(0);
    expect(rerun.stdout.filter((line) => line.startsWith('Applied '))).toEqual([
      `Applied ${MIGRATION_NAMES.at(-1)}`,
    ]);
  });

  it('refuses an unknown or missing command with the usage', async () => {
    for (const argv of [[], ['migrate'], ['run', 'extra'], ['run', '--fast']]) {
      const io = capture();
      expect(await migrationCli(argv, envFor(database), io)).toBe(1);
      expect(io.stderr.join('\n')).toMatch(/Usage: .*cli\/migration\.js/);
    }
  });

  it('lists every configuration problem at once and touches nothing', async () => {
    const io = capture();
    const code = await migrationCli(
      ['run'],
      { DATABASE_URL: 'postgres://db/app', PORT: 'eighty', BCRYPT_ROUNDS: '99' },
      io,
    );
    expect(code).toBe(1);
    const message = io.stderr.join('\n');
    expect(message).toMatch(/^Invalid configuration:/);
    for (const key of ['DATABASE_URL', 'PORT', 'BCRYPT_ROUNDS'])
      expect(message).toContain(`  - ${key} `);
  });

  it('says which database it cannot reach, without a stack or the password', async () => {
    const io = capture();
    const code = await migrationCli(
      ['show'],
      { DATABASE_URL: 'mysql://app:s3cret-pw@127.0.0.1:1/nothing' },
      io,
    );
    expect(code).toBe(1);
    expect(io.stdout[0]).toBe('Database: MySQL 127.0.0.1:1/nothing');
    expect(io.stderr.join('\n')).toMatch(/^Error: .*ECONNREFUSED/);
    expect(io.text()).not.toContain('s3cret-pw');
    expect(io.text()).not.toMatch(/\n\s+at /);
  });
});

/** One run of the compiled command, as `npm run migration:run` does it (`npm test` builds dist/ first). */
const BUILT_CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'migration.js');
describe('the built migration CLI', () => {
  it('runs as a process and exits 0', async () => {
    expect(existsSync(BUILT_CLI)).toBe(true);
    const database = await createTestDatabase();
    try {
      const result = spawnSync(process.execPath, [BUILT_CLI, 'run'], {
        env: {
          PATH: process.env.PATH ?? '',
          ...testEnv(TEST_BACKEND, database.url, { LOG_LEVEL: 'warn' }),
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`${MIGRATION_NAMES.length} migration(s) applied.`);
    } finally {
      await database.drop();
    }
  });
});
