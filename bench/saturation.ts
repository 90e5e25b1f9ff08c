/**
 * What MariaDB and Redis can serve on this machine for the API's hot operations, without the
 * API: the inputs of the capacity model in docs/operations.md.
 *
 * - Redis: the CHECK_ACCESS script of every authenticated request (EVALSHA, 4 keys, the real
 *   session of the run's login), driven by redis-benchmark (C, so the client is not the limit):
 *   many connections with one call in flight each, and a few connections with calls pipelined,
 *   as API instances each with one ioredis connection send them.
 * - MariaDB: the product list's two queries (the page and its count) and the login's user
 *   lookup, through a mysql2 pool, every connection in a closed loop.
 *
 * Each figure comes with the cores the server process used meanwhile (null when it does not
 * run on this machine), so it can be scaled to a bigger server, and the cores of its client
 * (redis-benchmark; this process for MariaDB: near 1.0, the client was the limit and the
 * figure is a floor).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { decode } from 'jsonwebtoken';
import { createPool, type Pool } from 'mysql2/promise';
import type { AppConfig } from '../src/config/app-config';
import { CHECK_ACCESS } from '../src/modules/sessions/session.scripts';
import { checkAccessCall, type TenantAccessClaims } from './check-access';
import { ADMIN_EMAIL, settings, SUBDOMAIN } from './config';
import { childrenCpuSeconds, cpuWindow, listenerPid } from './machine';
import { LOGIN_LOOKUP_SQL, PRODUCT_COUNT_SQL, PRODUCT_PAGE_SQL } from './queries';
import { fmt, progress, table } from './report';

const run = promisify(execFile);

/** Redis runs: [connections, calls in flight per connection]. */
const REDIS_SHAPES: [number, number][] = [
  [50, 1],
  [8, 16],
];
/** The calls of redis-benchmark's short first run, which sizes the measured one. */
const REDIS_CALIBRATION_CALLS = 20_000;
/** mysql2 connections, each running its query in a loop. */
const MYSQL_CONNECTIONS = [10, 50];

export interface Ceiling {
  operation: string;
  connections: number;
  /** Calls in flight per connection. */
  pipeline: number;
  perSecond: number;
  /** Queries per operation (the product list makes two). */
  queries: number;
  serverCores: number | null;
  clientCores: number | null;
  /** Cores busy with anything else meanwhile (see CpuUse.otherCores). */
  otherCores: number | null;
}

export interface Saturation {
  redis: Ceiling[];
  mysql: Ceiling[];
}

/** One redis-benchmark run of `calls` EVALSHA calls; its requests per second. */
async function redisBenchmark(
  calls: number,
  connections: number,
  pipeline: number,
  command: string[],
): Promise<number> {
  const url = new URL(settings.redisUrl);
  const { stdout } = await run('redis-benchmark', [
    '-h',
    url.hostname,
    '-p',
    url.port || '6379',
    ...(url.password ? ['-a', decodeURIComponent(url.password), '--no-auth-warning'] : []),
    ...(url.username ? ['--user', decodeURIComponent(url.username)] : []),
    ...(url.pathname.length > 1 ? ['--dbnum', url.pathname.slice(1)] : []),
    '-c',
    String(connections),
    '-P',
    String(pipeline),
    '-n',
    String(calls),
    '--csv',
    ...command,
  ]);
  // --csv: a header line, then "<command>","<rps>",...
  const rps = Number(stdout.trim().split('\n').at(-1)?.split(',')[1]?.replace(/"/g, ''));
  if (!Number.isFinite(rps)) throw new Error(`redis-benchmark printed no rate: ${stdout}`);
  return rps;
}

async function redisCeilings(config: AppConfig, claims: TenantAccessClaims): Promise<Ceiling[]> {
  const redis = new Redis(settings.redisUrl);
  const sha = (await redis.script('LOAD', CHECK_ACCESS.lua)) as string;
  const call = checkAccessCall(config, claims, Date.now());
  const [state] = (await redis.evalsha(sha, call.keys.length, ...call.keys, ...call.args)) as [
    string,
  ];
  await redis.quit();
  if (state !== 'ok') throw new Error(`CHECK_ACCESS answered "${state}" for the run's session`);
  const command = [
    'EVALSHA',
    sha,
    String(call.keys.length),
    ...call.keys,
    ...call.args.map(String),
  ];
  const redisPid = listenerPid(Number(new URL(settings.redisUrl).port || 6379));
  const ceilings: Ceiling[] = [];
  for (const [connections, pipeline] of REDIS_SHAPES) {
    const estimate = await redisBenchmark(REDIS_CALIBRATION_CALLS, connections, pipeline, command);
    const calls = Math.max(REDIS_CALIBRATION_CALLS, Math.round(estimate * settings.duration));
    progress(
      `saturation: Redis CHECK_ACCESS, ${connections}×${pipeline} in flight, ${calls} calls`,
    );
    const cpu = cpuWindow();
    const [childrenBefore, started] = [childrenCpuSeconds(), performance.now()];
    const perSecond = await redisBenchmark(calls, connections, pipeline, command);
    const use = cpu.finish();
    const childrenAfter = childrenCpuSeconds();
    // redis-benchmark started after the window did, so the window counted it as other work.
    const clientCores =
      childrenBefore === null || childrenAfter === null
        ? null
        : (childrenAfter - childrenBefore) / ((performance.now() - started) / 1000);
    ceilings.push({
      operation: 'CHECK_ACCESS (EVALSHA, 4 keys)',
      connections,
      pipeline,
      perSecond,
      queries: 1,
      serverCores: use.coresOf(redisPid),
      clientCores,
      otherCores: use.otherCores === null ? null : Math.max(0, use.otherCores - (clientCores ?? 0)),
    });
  }
  return ceilings;
}

/** `work` on each of `connections` loops at once for settings.duration; operations per second. */
async function closedLoop(connections: number, work: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + settings.duration * 1000;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        await work();
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function mysqlCeilings(config: AppConfig, organizationId: string): Promise<Ceiling[]> {
  if (config.database.type !== 'mysql') throw new Error('the saturation step needs MariaDB');
  const mariadbPid = listenerPid(Number(new URL(config.database.url).port || 3306));
  const operations: {
    operation: string;
    queries: number;
    work: (pool: Pool) => Promise<unknown>;
  }[] = [
    {
      operation: 'product list (page + count)',
      queries: 2,
      work: async (pool) => {
        await pool.query(PRODUCT_PAGE_SQL, [organizationId, 20, 0]);
        await pool.query(PRODUCT_COUNT_SQL, [organizationId]);
      },
    },
    {
      operation: 'login user lookup',
      queries: 1,
      work: (pool) => pool.query(LOGIN_LOOKUP_SQL, [SUBDOMAIN, ADMIN_EMAIL]),
    },
  ];
  const ceilings: Ceiling[] = [];
  for (const connections of MYSQL_CONNECTIONS) {
    const pool = createPool({
      uri: config.database.url,
      connectionLimit: connections,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    try {
      for (const { operation, queries, work } of operations) {
        await closedLoop(connections, () => work(pool)); // warms the pool and the buffer pool
        progress(
          `saturation: MariaDB ${operation}, ${connections} connections, ${settings.duration} s`,
        );
        const cpu = cpuWindow();
        const perSecond = await closedLoop(connections, () => work(pool));
        const use = cpu.finish();
        ceilings.push({
          operation,
          connections,
          pipeline: 1,
          perSecond,
          queries,
          serverCores: use.coresOf(mariadbPid),
          clientCores: use.coresOf(process.pid),
          otherCores: use.otherCores,
        });
      }
    } finally {
      await pool.end();
    }
  }
  return ceilings;
}

/** The run's access token names the session (and organization) the Redis runs check. */
export async function saturationRun(config: AppConfig, accessToken: string): Promise<Saturation> {
  const claims = decode(accessToken) as TenantAccessClaims | null;
  if (!claims?.sid || !claims.organizationId) throw new Error('the access token has no session');
  return {
    redis: await redisCeilings(config, claims),
    mysql: await mysqlCeilings(config, claims.organizationId),
  };
}

export function printSaturation(saturation: Saturation): void {
  console.log('\nSaturation: MariaDB and Redis alone, for the hot operations (no API in between)');
  const rows = [...saturation.redis, ...saturation.mysql].map((ceiling) => {
    const perCore =
      ceiling.serverCores && ceiling.serverCores > 0
        ? ceiling.perSecond / ceiling.serverCores
        : null;
    return [
      ceiling.operation,
      ceiling.pipeline > 1
        ? `${ceiling.connections}×${ceiling.pipeline}`
        : String(ceiling.connections),
      fmt(ceiling.perSecond, 0),
      fmt(ceiling.perSecond * ceiling.queries, 0),
      fmt(ceiling.serverCores, 2),
      fmt(perCore, 0),
      fmt(ceiling.clientCores, 2),
      fmt(ceiling.otherCores, 2),
    ];
  });
  console.log(
    table(
      [
        'operation',
        'connections',
        'ops/s',
        'queries/s',
        'server cores',
        'ops/s per core',
        'client cores',
        'other',
      ],
      rows,
    ),
  );
  console.log(
    '  Redis runs one command at a time: its ops/s at about 1.0 server core is its ceiling. Its client: redis-benchmark.',
  );
  console.log(
    "  MariaDB's client: this process (mysql2); at about 1.0 client core the client, not MariaDB, was the limit.",
  );
}
