import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, type CreateAppOptions } from '../../src/bootstrap/app.factory';
import { type AppConfig, loadConfig } from '../../src/config/app-config';
import {
  createTestDatabase,
  TEST_BACKEND,
  TEST_REDIS_URL,
  type TestBackend,
  type TestDatabase,
  uniqueSuffix,
} from './backend';

export interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  [key: string]: unknown;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  /** Every JSON log line the app wrote so far. */
  logs: LogLine[];
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  backend?: TestBackend;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Share an existing database (several instances against one database). */
  database?: TestDatabase;
  /** Extra Nest modules mounted into the app, e.g. a probe controller. */
  extraImports?: CreateAppOptions['extraImports'];
}

/** Test-friendly defaults: cheap bcrypt, quiet logs captured in memory, a unique Redis prefix. */
export function testEnv(
  backend: TestBackend,
  databaseUrl: string,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    BCRYPT_ROUNDS: '4',
    JWT_SECRET: 'test-secret-that-is-at-least-32-characters-long',
    // Shared by every instance of a test, as JWT_SECRET is: a key made on one works on the other.
    API_KEY_PEPPER: 'test-pepper-that-is-at-least-32-characters-long',
    DATABASE_URL: databaseUrl,
    DB_RUN_MIGRATIONS: 'true',
    // Many apps share a test process and the machine: a test that scrapes sets a free port.
    METRICS_PORT: '0',
    ...(backend === 'mysql'
      ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `test:${uniqueSuffix()}:` }
      : {}),
    ...env,
  };
}

/**
 * Boots the real app on a free port against a fresh database (and Redis, in mysql mode); call it
 * with the client in api-client.ts.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const backend = options.backend ?? TEST_BACKEND;
  const ownsDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase(backend));
  // Without SMTP_URL mail becomes .eml files: in a folder of this app's own, not ./data/outbox.
  const mailDir = mkdtempSync(join(tmpdir(), 'saas-api-mail-'));
  const config = loadConfig(
    testEnv(backend, database.url, { MAIL_OUTBOX_DIR: mailDir, ...options.env }),
  );
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      }
      callback();
    },
  });
  const { app } = await createApp(config, {
    logDestination: destination,
    extraImports: options.extraImports,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    baseUrl,
    logs,
    database,
    close: async () => {
      await app.close();
      if (ownsDatabase) await database.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}
