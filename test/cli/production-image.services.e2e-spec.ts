import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../migrations';
import { DEMO_PASSWORD } from '../../src/modules/demo/demo-data';
import {
  createMysqlDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueSuffix,
} from '../support/backend';
import { login, request } from '../support/api-client';
import { type CommandResult, ROOT, runProgram } from '../support/built-cli';
import { freePort } from '../support/throwaway-redis';
import { sleep } from '../support/time';

/**
 * What the Docker image holds and runs, without Docker: the install line of the Dockerfile's
 * production-dependencies stage, run as written into an empty folder beside a copy of dist/,
 * then the command lines of docker-compose.yml and the Dockerfile, with NODE_ENV=production,
 * against MariaDB and Redis.
 */

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

/** The `RUN` line of a Dockerfile stage, as words. */
function stageRun(stage: string): string[] {
  const match = new RegExp(`^FROM \\S+ AS ${stage}\\nRUN (.+)$`, 'm').exec(dockerfile);
  if (!match) throw new Error(`no RUN line in the ${stage} stage of the Dockerfile`);
  return match[1].split(/\s+/);
}

/** An exec-form (JSON array) instruction of the Dockerfile: `CMD [...]`, `HEALTHCHECK ... CMD [...]`. */
function dockerfileExec(instruction: 'CMD' | 'HEALTHCHECK'): string[] {
  const pattern =
    instruction === 'CMD' ? /^CMD (\[.+\])$/m : /^HEALTHCHECK [^\n]*\\\n\s+CMD (\[.+\])$/m;
  const match = pattern.exec(dockerfile);
  if (!match) throw new Error(`no exec-form ${instruction} in the Dockerfile`);
  return JSON.parse(match[1]) as string[];
}

/** The one-line `command: [...]` of a compose service (quoted with single quotes, no escapes). */
function composeCommand(service: string): string[] {
  const block = new RegExp(`^  ${service}:\\n((?:    .*\\n|\\s*\\n)+)`, 'm').exec(compose)?.[1];
  const command = block && /^ {4}command: (\[.+\])$/m.exec(block)?.[1];
  if (!command) throw new Error(`no command for the ${service} service in docker-compose.yml`);
  return JSON.parse(command.replace(/'/g, '"')) as string[];
}

const MIGRATION_NAMES = MIGRATIONS.map((migration) => new migration().name ?? migration.name);

describe('the production image, reproduced without Docker', () => {
  let image: string;
  let database: TestDatabase;
  let env: Record<string, string>;
  const run = (argv: string[], extra: Record<string, string> = {}): Promise<CommandResult> =>
    runProgram(argv, { env: { ...env, ...extra }, cwd: image });

  beforeAll(async () => {
    image = mkdtempSync(join(tmpdir(), 'production-image-'));
    for (const file of ['package.json', 'package-lock.json'])
      copyFileSync(join(ROOT, file), join(image, file));
    // What gets installed is the same with these two: --prefer-offline uses the cache CI's own
    // `npm ci` has just filled, and --ignore-scripts skips native builds (bcrypt ships prebuilt
    // binaries; a stray better-sqlite3 would compile for minutes before the check below fails).
    const install = await runProgram(
      [...stageRun('production-dependencies'), '--prefer-offline', '--ignore-scripts'],
      {
        env: { HOME: process.env.HOME ?? tmpdir() },
        cwd: image,
        timeoutMs: 170_000,
      },
    );
    if (install.status !== 0) throw new Error(`npm ci failed:\n${install.stderr}`);
    expect(install.stderr).not.toMatch(/EBADENGINE/);
    cpSync(join(ROOT, 'dist'), join(image, 'dist'), { recursive: true });
    database = await createMysqlDatabase();
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `test:${uniqueSuffix()}:`,
      JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
      API_KEY_PEPPER: 'a-production-pepper-of-at-least-32-characters',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      SMTP_URL: 'smtp://127.0.0.1:1',
      MAIL_FROM: 'no-reply@example.com',
      APP_URL: 'https://app.example.com',
      BCRYPT_ROUNDS: '4',
      LOG_LEVEL: 'warn',
      // Not the default 9464: another test process may hold it.
      METRICS_PORT: '0',
    };
  }, 180_000);

  afterAll(async () => {
    await database?.drop();
    if (image) rmSync(image, { recursive: true, force: true });
  });

  it('installs neither SQLite nor pino-pretty nor any build or test tool', () => {
    for (const name of ['better-sqlite3', 'pino-pretty', 'typescript', '@nestjs/cli', '@swc/core'])
      expect([name, existsSync(join(image, 'node_modules', name))]).toEqual([name, false]);
    expect(existsSync(join(image, 'node_modules', 'typeorm'))).toBe(true);
  });

  it('the migrate service applies every migration and exits 0', async () => {
    const result = await run(composeCommand('migrate'));
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toContain(`${MIGRATION_NAMES.length} migration(s) applied.`);
  });

  it('the seed refuses NODE_ENV=production without --force and seeds with it', async () => {
    const refused = await run(['node', 'dist/src/cli/seed.js']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^Refusing to seed with NODE_ENV=production/);

    const forced = await run(['node', 'dist/src/cli/seed.js', '--force']);
    expect([forced.status, forced.stderr]).toEqual([0, '']);
    expect(forced.stdout).toMatch(/Done: \d+ demo record\(s\) created\./);
  });

  it('superuser:create creates the platform superuser from the environment', async () => {
    const result = await run(['node', 'dist/src/cli/superuser-create.js'], {
      SUPERUSER_EMAIL: 'ops@platform.test',
      SUPERUSER_PASSWORD: 'Operator-Passw0rd!',
    });
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('Superuser ops@platform.test created.');
  });

  it('says which package to install when the embedded backend is asked for', async () => {
    const result = await run(['node', 'dist/src/cli/migration.js', 'show'], {
      NODE_ENV: 'test',
      DATABASE_URL: `sqlite:${join(image, 'data', 'app.sqlite')}`,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^The embedded SQLite backend .* needs the optional dependency better-sqlite3/,
    );
    expect(result.stderr).toContain('npm install better-sqlite3');
  });

  describe('the api service', () => {
    let server: ChildProcess;
    let exited: Promise<number | null>;
    let stderr = '';
    let port: number;
    const api = {
      get baseUrl() {
        return `http://127.0.0.1:${port}`;
      },
    };

    beforeAll(async () => {
      const command = composeCommand('api');
      // The compose file states what the image would run anyway.
      expect(command).toEqual(dockerfileExec('CMD'));
      port = await freePort();
      server = spawn(process.execPath, command.slice(1), {
        cwd: image,
        env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 20_000;
      for (;;) {
        const live = await request(api, 'GET', '/health/live').catch(() => null);
        if (live?.status === 200) return;
        if (server.exitCode !== null || Date.now() > deadline)
          throw new Error(`the API did not come up (exit ${server.exitCode}): ${stderr}`);
        await sleep(100);
      }
    }, 30_000);

    afterAll(() => {
      if (server?.exitCode === null) server.kill('SIGKILL');
    });

    it("passes the image's HEALTHCHECK", async () => {
      const check = await run(dockerfileExec('HEALTHCHECK'), { PORT: String(port) });
      expect([check.status, check.stderr]).toEqual([0, '']);
    });

    it('is ready: MariaDB and Redis answer', async () => {
      const ready = await request(api, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.document()).toMatchObject({ database: 'connected', redis: 'connected' });
    });

    it('logs a seeded user in', async () => {
      const response = await login(api, 'acme', 'admin@acme.test', DEMO_PASSWORD);
      expect(response.status).toBe(200);
    });

    it('exits 0 on SIGTERM', async () => {
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
});
