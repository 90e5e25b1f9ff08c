import * as bcrypt from 'bcrypt';
import { main as superuserCreate } from '../../src/cli/superuser-create';
import { main as migrationCli } from '../../src/cli/migration';
import { bearer, request } from '../support/api-client';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from '../support/backend';
import { startTestApp, testEnv } from '../support/test-app';
import { capture, envFor, inspect } from '../support/cli';
import { enrol, passwordStep } from '../support/mfa';

interface AuthTokens {
  tokens: { accessToken: string };
}

/** `npm run superuser:create`, called in-process. */

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

  it('--reset-mfa turns off the second factor of a superuser who lost it, audited', async () => {
    const app = await startTestApp({ database });
    try {
      const account = { email, password: 'Mfa-Root-Passw0rd!' };
      expect(
        await superuserCreate(
          ['--email', email, '--password', account.password],
          envFor(database),
          capture(),
        ),
      ).toBe(0);
      const signedIn = await passwordStep(app, account);
      await enrol(app, { ...account, token: signedIn.json<AuthTokens>().data.tokens.accessToken });
      // From now on the password alone is not enough: the sign-in asks for a code.
      expect((await passwordStep(app, account)).body.data.mfaRequired).toBe(true);

      const io = capture();
      const env = envFor(database, { REDIS_KEY_PREFIX: app.config.redis.keyPrefix });
      const reset = ['--email', email, '--password', 'Reset-Root-Passw0rd!', '--reset-mfa'];
      expect(await superuserCreate(reset, env, io)).toBe(0);
      expect(io.stdout).toContain(`Two-factor authentication of ${email} turned off.`);
      const after = await passwordStep(app, { email, password: 'Reset-Root-Passw0rd!' });
      expect(after.status).toBe(200);
      expect(after.json<AuthTokens>().data.tokens.accessToken).toEqual(expect.any(String));
      const rows = await inspect(database, (dataSource) =>
        dataSource.query<{ action: string }[]>(
          "SELECT action FROM audit_logs WHERE action = 'auth.mfa.reset' AND entity_type = 'superuser'",
        ),
      );
      expect(rows).toHaveLength(1);

      // Nothing left to turn off: said so, and no second row.
      const again = capture();
      expect(await superuserCreate(reset, env, again)).toBe(0);
      expect(again.stdout).toContain(`${email} had no two-factor authentication to turn off.`);
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
