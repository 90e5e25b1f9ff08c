import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as bcrypt from 'bcrypt';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { main as superuserCreate } from '../../src/cli/superuser-create';
import type { CliIo } from '../../src/cli/cli-support';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { main as migrationCli } from '../../src/cli/migration';
import { main as seedCli } from '../../src/cli/seed';
import {
  DEMO_ORGANIZATIONS,
  DEMO_PASSWORD,
  DEMO_SUPERUSER_EMAIL,
} from '../../src/database/seed/demo-data';
import { bearer, login, request } from '../support/api-client';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from '../support/backend';
import { startTestApp, testEnv } from '../support/test-app';

/** The migration CLI, `npm run seed` and `npm run superuser:create`, called in-process. */

const MIGRATION_NAMES = MIGRATIONS.map((migration) => new migration().name ?? migration.name);

interface Captured extends CliIo {
  stdout: string[];
  stderr: string[];
  text(): string;
}

function capture(): Captured {
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
function envFor(
  database: TestDatabase,
  extra: Record<string, string> = {},
): Record<string, string> {
  return testEnv(TEST_BACKEND, database.url, { LOG_LEVEL: 'warn', ...extra });
}

/** A connection of the test's own, to look at what the commands left behind. */
async function inspect<T>(
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

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const sql =
    dataSource.options.type === 'mysql'
      ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
  const rows: { name: string }[] = await dataSource.query(sql);
  return rows.map((row) => row.name).sort();
}

/** Every row of every table, in a stable order: equal snapshots mean nothing was inserted, updated or deleted. */
async function snapshot(database: TestDatabase): Promise<Record<string, unknown[]>> {
  return inspect(database, async (dataSource) => {
    const tables: Record<string, unknown[]> = {};
    for (const table of await tableNames(dataSource)) {
      const rows: Record<string, unknown>[] = await dataSource.query(`SELECT * FROM ${table}`);
      tables[table] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return tables;
  });
}

const counts = (tables: Record<string, unknown[]>): Record<string, number> =>
  Object.fromEntries(Object.entries(tables).map(([table, rows]) => [table, rows.length]));

async function appliedMigrations(database: TestDatabase): Promise<number> {
  return inspect(
    database,
    async (dataSource) => (await dataSource.query<unknown[]>('SELECT * FROM migrations')).length,
  );
}

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

describe('npm run seed', () => {
  let database: TestDatabase;
  let firstRun: Record<string, unknown[]>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('migrates a fresh database and loads the demo data', async () => {
    const io = capture();
    expect(await seedCli([], envFor(database), io)).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(io.stdout.filter((line) => line.startsWith('Applied migration '))).toHaveLength(
      MIGRATION_NAMES.length,
    );
    expect(io.stdout).toContain('Organization acme (Acme Inc.): created with its built-in roles');
    expect(io.stdout).toContain(
      'Organization globex (Globex Corporation): created with its built-in roles',
    );
    expect(io.stdout).toContain(`Superuser ${DEMO_SUPERUSER_EMAIL}: created`);

    firstRun = await snapshot(database);
    const productCount = DEMO_ORGANIZATIONS.reduce(
      (total, organization) => total + organization.products.length,
      0,
    );
    expect(counts(firstRun)).toMatchObject({
      organizations: 2,
      roles: 6,
      users: 6,
      user_roles: 6,
      products: productCount,
      superusers: 1,
      migrations: MIGRATION_NAMES.length,
    });
    expect(productCount).toBeGreaterThanOrEqual(20);
  });

  it('a second run changes nothing: same row counts, same rows', async () => {
    const io = capture();
    expect(await seedCli([], envFor(database), io)).toBe(0);
    expect(io.stdout).toContain('Done: the demo data was already complete; nothing changed.');
    expect(io.stdout.some((line) => line.startsWith('Applied migration'))).toBe(false);
    const secondRun = await snapshot(database);
    expect(counts(secondRun)).toEqual(counts(firstRun));
    expect(secondRun).toEqual(firstRun);
  });

  it('refuses NODE_ENV=production without --force, before touching any database', async () => {
    const io = capture();
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'mysql://app:pw@127.0.0.1:1/unreachable',
      REDIS_URL: 'redis://127.0.0.1:1',
      JWT_SECRET: 'a-production-secret-of-at-least-32-chars',
    };
    expect(await seedCli([], production, io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/Refusing to seed with NODE_ENV=production.*\n.*--force/);
  });

  describe('through the HTTP API', () => {
    let app: Awaited<ReturnType<typeof startTestApp>>;
    beforeAll(async () => {
      app = await startTestApp({ database });
    });
    afterAll(async () => {
      await app?.close();
    });

    interface ProductRow {
      sku: string;
      name: string;
    }

    async function productsSeenBy(
      subdomain: string,
      email: string,
    ): Promise<{ skus: string[]; total: number | undefined }> {
      const response = await login(app, subdomain, email, DEMO_PASSWORD);
      expect(response.status).toBe(200);
      const { data } = response.json<{ tokens: { accessToken: string } }>();
      const list = await request(app, 'GET', '/api/products?limit=100', {
        headers: bearer(data.tokens.accessToken, { 'x-tenant-id': subdomain }),
      });
      expect(list.status).toBe(200);
      const body = list.json<ProductRow[]>();
      return {
        skus: body.data.map((product) => product.sku).sort(),
        total: body.pagination?.total,
      };
    }

    it("logs the seeded admin in; it sees acme's products and none of globex's", async () => {
      const acme = DEMO_ORGANIZATIONS.find((organization) => organization.subdomain === 'acme');
      const { skus, total } = await productsSeenBy('acme', 'admin@acme.test');
      expect(skus).toEqual(acme?.products.map((product) => product.sku).sort());
      expect(total).toBe(acme?.products.length);
      expect(skus.every((sku) => sku.startsWith('ACME-'))).toBe(true);
    });

    it('gives every demo login its role', async () => {
      for (const organization of DEMO_ORGANIZATIONS) {
        for (const user of organization.users) {
          const response = await login(app, organization.subdomain, user.email, DEMO_PASSWORD);
          expect(response.status).toBe(200);
          const { data } = response.json<{ user: { roles: string[] } }>();
          expect(data.user.roles).toEqual([user.role]);
        }
      }
      const globex = DEMO_ORGANIZATIONS.find((organization) => organization.subdomain === 'globex');
      const { skus } = await productsSeenBy('globex', 'client@globex.test');
      expect(skus).toEqual(globex?.products.map((product) => product.sku).sort());
      expect(skus.every((sku) => sku.startsWith('GLBX-'))).toBe(true);
    });

    it('logs the seeded superuser in', async () => {
      const response = await request(app, 'POST', '/api/auth/superuser/login', {
        body: {
          email: DEMO_SUPERUSER_EMAIL,
          password: DEMO_PASSWORD,
        },
      });
      expect(response.status).toBe(200);
    });
  });
});

describe('npm run superuser:create', () => {
  let database: TestDatabase;
  const email = 'root@platform.test';

  beforeAll(async () => {
    database = await createTestDatabase();
    // A migrated schema, as in production where migration:run comes first.
    expect(await migrationCli(['run'], envFor(database), capture())).toBe(0);
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function storedHashes(): Promise<{ email: string; password_hash: string }[]> {
    return inspect(database, (dataSource) =>
      dataSource.query('SELECT email, password_hash FROM superusers'),
    );
  }

  it('refuses a missing password: there is no default', async () => {
    const io = capture();
    expect(await superuserCreate(['--email', email], envFor(database), io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/No password: pass --password or set SUPERUSER_PASSWORD/);
    expect(await storedHashes()).toEqual([]);
  });

  it('refuses a missing email', async () => {
    const io = capture();
    expect(await superuserCreate(['--password', 'Root-Passw0rd!'], envFor(database), io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/No email: pass --email or set SUPERUSER_EMAIL/);
  });

  it('refuses a common password, a short one and a bad email, listing each problem', async () => {
    const common = capture();
    expect(
      await superuserCreate(
        ['--email', email, '--password', 'password123'],
        envFor(database),
        common,
      ),
    ).toBe(1);
    expect(common.stderr.join('\n')).toMatch(/The password is too common/);

    const both = capture();
    expect(
      await superuserCreate(
        ['--email', 'not-an-email', '--password', 'short'],
        envFor(database),
        both,
      ),
    ).toBe(1);
    expect(both.stderr.join('\n')).toMatch(
      /"not-an-email" is not an email address\.\nThe password must be at least 8 characters/,
    );
    expect(await storedHashes()).toEqual([]);
  });

  it('refuses unknown options with the usage', async () => {
    const io = capture();
    expect(
      await superuserCreate(
        ['--email', email, '--pasword', 'Root-Passw0rd!'],
        envFor(database),
        io,
      ),
    ).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/pasword[\s\S]*Usage: npm run superuser:create/);
  });

  it('creates the superuser from the environment', async () => {
    const io = capture();
    const env = envFor(database, {
      SUPERUSER_EMAIL: ' Root@Platform.test ',
      SUPERUSER_PASSWORD: 'Root-Passw0rd!',
    });
    expect(await superuserCreate([], env, io)).toBe(0);
    expect(io.stdout.at(-1)).toBe(`Superuser ${email} created.`);
    const rows = await storedHashes();
    expect(rows.map((row) => row.email)).toEqual([email]);
    expect(await bcrypt.compare('Root-Passw0rd!', rows[0].password_hash)).toBe(true);
  });

  it('updates the password of an existing superuser, arguments winning over the environment', async () => {
    const app = await startTestApp({ database });
    try {
      const before = await request(app, 'POST', '/api/auth/superuser/login', {
        body: {
          email,
          password: 'Root-Passw0rd!',
        },
      });
      expect(before.status).toBe(200);
      const { data } = before.json<{ tokens: { accessToken: string } }>();
      const listOrganizations = () =>
        request(app, 'GET', '/api/organizations', { headers: bearer(data.tokens.accessToken) });
      expect((await listOrganizations()).status).toBe(200);

      const io = capture();
      const env = envFor(database, {
        SUPERUSER_EMAIL: 'other@platform.test',
        SUPERUSER_PASSWORD: 'Ignored-Passw0rd!',
        // The API's key prefix: the command reaches the same sessions in Redis.
        REDIS_KEY_PREFIX: app.config.redis.keyPrefix,
      });
      expect(
        await superuserCreate(['--email', email, '--password', 'Another-Passw0rd!'], env, io),
      ).toBe(0);
      expect(io.stdout.at(-1)).toMatch(
        new RegExp(`^Superuser ${email} already existed: password updated`),
      );
      const rows = await storedHashes();
      expect(rows.map((row) => row.email)).toEqual([email]);
      expect(await bcrypt.compare('Another-Passw0rd!', rows[0].password_hash)).toBe(true);

      if (TEST_BACKEND === 'mysql') {
        // Redis is shared, so the reset ended the session the old password opened.
        expect(io.stdout.at(-1)).toBe(
          `Superuser ${email} already existed: password updated, 1 session(s) ended.`,
        );
        expect((await listOrganizations()).status).toBe(401);
      } else {
        // The embedded API's in-process store is out of the command's reach; it says so.
        expect(io.stdout.at(-1)).toMatch(/out of reach/);
      }
      expect(
        (
          await request(app, 'POST', '/api/auth/superuser/login', {
            body: { email, password: 'Another-Passw0rd!' },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await request(app, 'POST', '/api/auth/superuser/login', {
            body: { email, password: 'Root-Passw0rd!' },
          })
        ).status,
      ).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('refuses to work on a schema with pending migrations when it may not migrate', async () => {
    const fresh = await createTestDatabase();
    try {
      const io = capture();
      const env = testEnv(TEST_BACKEND, fresh.url, {
        DB_RUN_MIGRATIONS: 'false',
        LOG_LEVEL: 'warn',
      });
      expect(
        await superuserCreate(['--email', email, '--password', 'Root-Passw0rd!'], env, io),
      ).toBe(1);
      expect(io.stderr.join('\n')).toMatch(/migration\(s\) pending .*npm run migration:run/);
    } finally {
      await fresh.drop();
    }
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
