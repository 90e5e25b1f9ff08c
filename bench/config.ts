/**
 * The benchmark's settings, read once from the environment (the variables are listed at the
 * top of bench/run.ts), and the fixed names it seeds and logs in with.
 */
import { join } from 'node:path';

function numberFrom(name: string, fallback: number, { allowZero = false } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero))
    throw new Error(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`,
    );
  return value;
}

const nodeArgs = (name: string): string[] => (process.env[name] ?? '').split(' ').filter(Boolean);

export const PARTS = ['me', 'products', 'login', 'storm', 'saturation', 'soak'] as const;
export type Part = (typeof PARTS)[number];

function onlyParts(): ReadonlySet<Part> {
  const requested = (process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((p) => p.trim());
  for (const part of requested) {
    if (!(PARTS as readonly string[]).includes(part))
      throw new Error(`BENCH_ONLY: unknown part "${part}" (use ${PARTS.join(', ')})`);
  }
  return new Set(requested as Part[]);
}

export const settings = {
  /** Seconds per measured run. */
  duration: numberFrom('BENCH_DURATION', 10),
  /** Seconds of the memory soak (soak.ts). */
  soakDuration: numberFrom('BENCH_SOAK_DURATION', 300),
  connections: numberFrom('BENCH_CONNECTIONS', 50),
  /** Seconds of load before each measured run (not for logins, which warm nothing). */
  warmup: numberFrom('BENCH_WARMUP', 2, { allowZero: true }),
  organizations: numberFrom('BENCH_ORGS', 100),
  productsPerOrganization: numberFrom('BENCH_PRODUCTS', 1000),
  /** /me req/s during the storm test; undefined: 20% of the quiet /me throughput. */
  stormRate: process.env.BENCH_STORM_RATE ? numberFrom('BENCH_STORM_RATE', 0) : undefined,
  mysqlUrl: (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, ''),
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  only: onlyParts(),
  apiNodeArgs: nodeArgs('BENCH_API_NODE_ARGS'),
  bareNodeArgs: nodeArgs('BENCH_BARE_NODE_ARGS'),
  /** The libuv thread pool, where bcrypt runs. */
  threadPoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
};

/** App settings passed through to both servers when set; otherwise the app's defaults apply. */
export const PASSTHROUGH_ENV = [
  'BCRYPT_ROUNDS',
  'HASH_CONCURRENCY',
  'DB_POOL_SIZE',
  'SESSION_CACHE_TTL',
  'AUTH_IP_RATE_LIMIT',
  'LOGIN_MAX_FAILURES',
  'LOGIN_ACCOUNT_MAX_FAILURES',
  'METRICS_PORT',
] as const;

/** The password of every seeded user. */
export const PASSWORD = 'Bench-Passw0rd-not-common';
/** The organization whose admin logs in and lists products. */
export const SUBDOMAIN = 'bench-001';
export const ADMIN_EMAIL = `admin@${SUBDOMAIN}.test`;
export const STORM_LEAD_SECONDS = 2;
/** Connections of the fixed-rate /me runs of the storm test. */
export const STORM_ME_CONNECTIONS = 10;
export const LOGIN_TIMEOUT_SECONDS = 120;
export const REGISTER = join(__dirname, 'register.js');
