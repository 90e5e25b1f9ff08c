/**
 * The two servers under load, each a child process on a port the OS picks (so the load
 * generator never shares their event loop): the real API (api-server.ts) and its bare Fastify
 * counterpart (bare-server.ts). Both read the environment built here.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { onCleanup } from './cleanup';
import { ADMIN_EMAIL, PASSTHROUGH_ENV, PASSWORD, REGISTER, settings, SUBDOMAIN } from './config';
import { progress } from './report';

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5000;

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

/** A Redis key prefix of the run's own; its keys are deleted on cleanup. */
export function redisPrefix(): string {
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  onCleanup('delete redis keys', async () => {
    const redis = new Redis(settings.redisUrl);
    let deleted = 0;
    for await (const keys of redis.scanStream({
      match: `${prefix}*`,
      count: 1000,
    }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    await redis.quit();
    progress(`deleted ${deleted} redis keys under ${prefix}`);
  });
  return prefix;
}

/** A port that was free a moment ago, for the API's metrics listener. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The environment of both servers: production mode on the run's database and key prefix, the
 * API with its metrics listener on `metricsPort` (METRICS_PORT=0 in the environment turns it off).
 */
export function serverEnvironment(
  databaseUrl: string,
  keyPrefix: string,
  metricsPort: number,
): Record<string, string> {
  const passthrough = Object.fromEntries(
    PASSTHROUGH_ENV.flatMap((key) => {
      const value = process.env[key];
      return value ? [[key, value]] : [];
    }),
  );
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    DB_RUN_MIGRATIONS: 'false',
    REDIS_URL: settings.redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    API_KEY_PEPPER: randomBytes(48).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    // As in docker-compose.yml: the API serves, a worker service runs the jobs.
    WORKERS: 'off',
    // Production requires real mail settings; the measured routes send none.
    SMTP_URL: 'smtp://127.0.0.1:1',
    MAIL_FROM: 'bench@example.test',
    APP_URL: 'https://app.example.test',
    JWT_ACCESS_EXPIRES_IN: '6h',
    // The limiters would turn the login benchmark into a 429 benchmark.
    AUTH_IP_RATE_LIMIT: '1000000',
    LOGIN_MAX_FAILURES: '1000',
    LOGIN_ACCOUNT_MAX_FAILURES: '100000',
    // Measured as it runs in production: every request counted into the metrics.
    METRICS_PORT: String(metricsPort),
    ...passthrough,
  };
}

export function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, script), [], {
      execArgv: ['-r', REGISTER, ...nodeArgs],
      env,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    onCleanup(`stop ${name}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(STOP_GRACE_MS)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
    });
    const timer = setTimeout(
      () =>
        reject(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      resolve({ name, url: `http://127.0.0.1:${message.port}`, child });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening\n${stderr}`));
    });
  });
}

export interface ApiEnvelope {
  success?: boolean;
  data?: unknown;
  pagination?: { total: number };
}

export async function request(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: ApiEnvelope }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: ApiEnvelope = {};
  try {
    body = JSON.parse(text) as ApiEnvelope;
  } catch {
    // not JSON; the status tells
  }
  return { status: response.status, body };
}

export const loginRequest = {
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', 'x-tenant-id': SUBDOMAIN },
  body: JSON.stringify({ email: ADMIN_EMAIL, password: PASSWORD }),
};

/** One real login through the API: the token (and session) both servers read. */
export async function logIn(api: Server): Promise<string> {
  const login = await request(`${api.url}/api/auth/login`, loginRequest);
  const token = (login.body.data as { tokens?: { accessToken?: string } } | undefined)?.tokens
    ?.accessToken;
  if (login.status !== 200 || !token)
    throw new Error(`login through the API failed: ${login.status} ${JSON.stringify(login.body)}`);
  return token;
}
