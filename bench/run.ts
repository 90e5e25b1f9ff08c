/**
 * `npm run bench`: the API against a bare Fastify baseline, printed (never asserted).
 *
 * 1. Creates its own MariaDB database (bench_<random>) and Redis key prefix, runs the
 *    migrations and seeds BENCH_ORGS organizations (built-in roles, an admin, a staff and a
 *    client user each) with BENCH_PRODUCTS products each.
 * 2. Starts the API (bench/api-server.ts, createApp as main.ts does) and a bare Fastify server
 *    doing the same minimum work (bench/bare-server.ts), each as a child process on a free port.
 * 3. Drives both with autocannon: GET /api/auth/me, GET /api/products?limit=20,
 *    POST /api/auth/login; measures raw bcrypt.compare throughput at the same cost; then /me
 *    at a fixed rate, quiet and during a login storm.
 * 4. Prints the machine, a table with targets, and drops the database and the Redis keys,
 *    also when something fails or the run is interrupted.
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 2),
 * BENCH_ORGS (100), BENCH_PRODUCTS (1000), BENCH_STORM_RATE (/me req/s during the storm test,
 * default 20% of the quiet /me throughput), BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306),
 * BENCH_REDIS_URL (redis://127.0.0.1:6379). BCRYPT_ROUNDS, HASH_CONCURRENCY, DB_POOL_SIZE and
 * SESSION_CACHE_TTL, when set, are passed to both servers; otherwise the app's defaults apply.
 * AUTH_IP_RATE_LIMIT and LOGIN_MAX_FAILURES default to their maximum (the limiters would
 * otherwise turn the login run into a 429 run); set them to see the limiters at work.
 * BENCH_ONLY=me,products,login,storm runs a subset; BENCH_API_NODE_ARGS and BENCH_BARE_NODE_ARGS
 * add node flags to the API or bare process (e.g. "--cpu-prof --cpu-prof-dir=prof" to see where
 * the time goes).
 */
import 'reflect-metadata';
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import * as bcrypt from 'bcrypt';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { Organization } from '../src/modules/organizations/organization.entity';
import { Product } from '../src/modules/products/product.entity';
import { Role } from '../src/modules/roles/role.entity';
import { User } from '../src/modules/users/user.entity';
import { BUILT_IN_ROLES } from '../src/security/permissions';
import { Semaphore } from '../src/security/semaphore';

// ---------------------------------------------------------------- settings

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

const DURATION = numberFrom('BENCH_DURATION', 10);
const CONNECTIONS = numberFrom('BENCH_CONNECTIONS', 50);
const WARMUP = numberFrom('BENCH_WARMUP', 2, { allowZero: true });
const ORGS = numberFrom('BENCH_ORGS', 100);
const PRODUCTS_PER_ORG = numberFrom('BENCH_PRODUCTS', 1000);
const MYSQL_URL = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'Bench-Passw0rd-not-common';
/** The organization whose admin logs in and lists products. */
const SUBDOMAIN = 'bench-001';
const ADMIN_EMAIL = `admin@${SUBDOMAIN}.test`;
const STORM_LEAD_SECONDS = 2;
const LOGIN_TIMEOUT_SECONDS = 120;
const REGISTER = join(__dirname, 'register.js');
const PARTS = ['me', 'products', 'login', 'storm'];
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((part) => part.trim()),
);
for (const part of ONLY) {
  if (!PARTS.includes(part))
    throw new Error(`BENCH_ONLY: unknown part "${part}" (use ${PARTS.join(', ')})`);
}
const API_NODE_ARGS = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const BARE_NODE_ARGS = (process.env.BENCH_BARE_NODE_ARGS ?? '').split(' ').filter(Boolean);

const log = (line: string): void => void process.stderr.write(`· ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- cleanup

const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaningUp: Promise<void> | null = null;

function onCleanup(name: string, run: () => Promise<unknown>): void {
  cleanups.push({ name, run });
}

/** Runs every cleanup once, newest first; a failing one does not stop the others. */
function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        process.stderr.write(`cleanup "${name}" failed: ${String(error)}\n`);
      }
    }
  })();
  return cleaningUp;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- machine

/**
 * Jiffies of all CPUs so far, from /proc/stat (Linux); null elsewhere. `busy` is user, nice and
 * system time only, the kinds a process is charged with: interrupt time (the loopback traffic
 * of the benchmark itself, mostly) is left out.
 */
function machineJiffies(): { busy: number; total: number } | null {
  try {
    const [user, nice, system, ...rest] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return {
      busy: user + nice + system,
      total: user + nice + system + rest.reduce((sum, value) => sum + value, 0),
    };
  } catch {
    return null;
  }
}

/** Share of all CPUs busy over `ms`; null where /proc/stat is missing. */
async function machineBusy(ms: number): Promise<number | null> {
  const before = machineJiffies();
  await sleep(ms);
  const after = machineJiffies();
  if (!before || !after || after.total === before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc; null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** This process and the two servers; MariaDB, Redis and the kernel's softirq threads are added by name. */
const benchPids = new Set<number>([process.pid]);
const SERVICE_NAMES = new Set(['mariadbd', 'mysqld', 'redis-server']);
const KERNEL_THREADS = /^ksoftirqd\//;

function servicePids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => {
        try {
          const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          return SERVICE_NAMES.has(name) || KERNEL_THREADS.test(name);
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

interface CpuUse {
  /** Cores a process kept busy over the window. */
  coresOf(pid: number | undefined): number | null;
  /**
   * Cores kept busy by everything else on the machine (other users' tests, builds...): the
   * machine's busy time minus this process, the servers, MariaDB and Redis. Near 0 on a quiet machine.
   */
  otherCores: number | null;
}

/** Starts measuring CPU use; `finish()` gives the figures over the window. */
function cpuWindow(): { finish(): CpuUse } {
  const pids = [...benchPids, ...servicePids()];
  const started = performance.now();
  const machineBefore = machineJiffies();
  const before = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  return {
    finish() {
      const wall = (performance.now() - started) / 1000;
      const machineAfter = machineJiffies();
      const cores = (pid: number): number | null => {
        const from = before.get(pid);
        const to = cpuSeconds(pid);
        return from === null || from === undefined || to === null ? null : (to - from) / wall;
      };
      const ours = pids.reduce((sum, pid) => sum + (cores(pid) ?? 0), 0);
      return {
        coresOf: (pid) => (pid === undefined ? null : cores(pid)),
        otherCores:
          machineBefore && machineAfter
            ? Math.max(0, (machineAfter.busy - machineBefore.busy) / 100 / wall - ours)
            : null,
      };
    },
  };
}

function busiestProcesses(): string {
  try {
    const lines = execFileSync('ps', ['-eo', 'pid,pcpu,etime,args', '--sort=-pcpu'], {
      encoding: 'utf8',
    }).split('\n');
    return lines
      .slice(1, 6)
      .filter(Boolean)
      .map((line) => `    ${line.trim().slice(0, 110)}`)
      .join('\n');
  } catch {
    return '    (ps unavailable)';
  }
}

async function printMachine(): Promise<void> {
  const cpus = os.cpus();
  const admin = await createConnection(MYSQL_URL);
  const [[{ version }]] = (await admin.query('SELECT VERSION() AS version')) as unknown as [
    [{ version: string }],
  ];
  await admin.end();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  await redis.quit();
  const busy = await machineBusy(1000);
  const load = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log('Benchmark');
  console.log(`  date        ${new Date().toISOString()}`);
  console.log(`  cpu         ${cpus[0]?.model ?? '?'} × ${cpus.length} cores`);
  console.log(`  memory      ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  console.log(`  os          ${os.type()} ${os.release()} ${os.arch()}`);
  console.log(`  node        ${process.version}`);
  console.log(`  mariadb     ${version}`);
  console.log(`  redis       ${redisVersion}`);
  console.log(`  load avg    ${load} (1, 5, 15 min)`);
  console.log(
    `  busy before ${busy === null ? '?' : `${(busy * 100).toFixed(0)}% of all CPUs over 1 s, before the benchmark started anything`}`,
  );
  console.log(`  busiest processes (ps, %CPU over each lifetime):\n${busiestProcesses()}`);
  console.log(
    `  settings    ${DURATION} s per run, ${CONNECTIONS} connections, ${WARMUP} s warm-up, ` +
      `${ORGS} organizations × ${PRODUCTS_PER_ORG} products`,
  );
}

// ---------------------------------------------------------------- database and seed

async function createDatabase(): Promise<string> {
  const name = `bench_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(MYSQL_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  onCleanup(`drop database ${name}`, async () => {
    const connection = await createConnection(MYSQL_URL);
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.end();
    log(`dropped database ${name}`);
  });
  return `${MYSQL_URL}/${name}`;
}

const ADJECTIVES = [
  'Organic',
  'Compact',
  'Wireless',
  'Recycled',
  'Premium',
  'Classic',
  'Rugged',
  'Slim',
  'Heavy-duty',
  'Smart',
];
const NOUNS = [
  'T-shirt',
  'Headphones',
  'Backpack',
  'Kettle',
  'Desk lamp',
  'Notebook',
  'Water bottle',
  'Keyboard',
  'Chair',
  'Charger',
];
const STATUSES = [
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'draft',
  'draft',
  'archived',
] as const;

interface Seeded {
  seconds: number;
  migrationSeconds: number;
  users: number;
  products: number;
}

/** Migrations, then every row in multi-row INSERTs through TypeORM's query builder. */
async function seed(config: AppConfig): Promise<Seeded> {
  const started = performance.now();
  const dataSource = new DataSource(buildDataSourceOptions(config.database));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const migrationSeconds = (performance.now() - started) / 1000;
    const passwordHash = await bcrypt.hash(PASSWORD, config.bcryptRounds);
    const insert = <T extends object>(target: new () => T, rows: object[]) =>
      dataSource
        .createQueryBuilder()
        .insert()
        .into(target)
        .values(rows)
        .updateEntity(false)
        .callListeners(false)
        .execute();

    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo);
    const organizations = Array.from({ length: ORGS }, (_, index) => {
      const subdomain = `bench-${String(index + 1).padStart(3, '0')}`;
      return {
        id: randomUUID(),
        name: `Bench Organization ${index + 1}`,
        subdomain,
        status: 'active',
        settings: {},
        createdAt: at(9e9),
        updatedAt: at(9e9),
      };
    });
    await insert(Organization, organizations);

    const roles: object[] = [];
    const users: object[] = [];
    const userRoles: { user_id: string; role_id: string }[] = [];
    const adminIds = new Map<string, string>();
    for (const organization of organizations) {
      for (const [name, grant] of Object.entries(BUILT_IN_ROLES)) {
        const roleId = randomUUID();
        roles.push({
          id: roleId,
          organizationId: organization.id,
          name,
          description: grant.description,
          permissions: [...grant.permissions],
          isBuiltIn: true,
          createdBy: null,
          updatedBy: null,
          createdAt: at(9e9),
          updatedAt: at(9e9),
        });
        const userId = randomUUID();
        if (name === 'admin') adminIds.set(organization.id, userId);
        users.push({
          id: userId,
          organizationId: organization.id,
          email: `${name}@${organization.subdomain}.test`,
          passwordHash,
          firstName: name[0].toUpperCase() + name.slice(1),
          lastName: `of ${organization.name}`,
          status: 'active',
          lastLoginAt: null,
          createdBy: null,
          updatedBy: null,
          createdAt: at(9e9),
          updatedAt: at(9e9),
        });
        userRoles.push({ user_id: userId, role_id: roleId });
      }
    }
    await insert(Role, roles);
    await insert(User, users);
    await dataSource
      .createQueryBuilder()
      .insert()
      .into('user_roles', ['user_id', 'role_id'])
      .values(userRoles)
      .execute();

    // Products: 2,000 rows per statement, four statements in flight.
    const batches: object[][] = [];
    let batch: object[] = [];
    for (const [orgIndex, organization] of organizations.entries()) {
      const adminId = adminIds.get(organization.id) ?? null;
      for (let n = 0; n < PRODUCTS_PER_ORG; n += 1) {
        const created = at(
          (PRODUCTS_PER_ORG - n) * 3_600_000 + Math.floor(Math.random() * 3_600_000),
        );
        const cents = 99 + Math.floor(Math.random() * 99_900);
        batch.push({
          id: randomUUID(),
          organizationId: organization.id,
          name: `${ADJECTIVES[n % ADJECTIVES.length]} ${NOUNS[Math.floor(n / ADJECTIVES.length) % NOUNS.length]} ${n + 1}`,
          sku: `SKU-${String(orgIndex + 1).padStart(3, '0')}-${String(n + 1).padStart(5, '0')}`,
          price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
          description:
            n % 4 === 0
              ? null
              : `Bench product ${n + 1} of ${organization.name}, seeded for the load test.`,
          status: STATUSES[n % STATUSES.length],
          createdBy: adminId,
          updatedBy: adminId,
          createdAt: created,
          updatedAt: new Date(created.getTime() + Math.floor(Math.random() * 86_400_000)),
        });
        if (batch.length === 2000) {
          batches.push(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) batches.push(batch);
    const slots = new Semaphore(4);
    await Promise.all(batches.map((rows) => slots.run(() => insert(Product, rows))));
    await dataSource.query('ANALYZE TABLE products, users, organizations, roles, user_roles');
    return {
      seconds: (performance.now() - started) / 1000,
      migrationSeconds,
      users: users.length,
      products: ORGS * PRODUCTS_PER_ORG,
    };
  } finally {
    await dataSource.destroy();
  }
}

// ---------------------------------------------------------------- servers

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

function startServer(
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
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
    });
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within 60 s\n${stderr}`)),
      60_000,
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

// ---------------------------------------------------------------- measuring

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  statusCodes: string;
  /** Server process CPU use over the run, in cores (1.0 = one core busy all along). */
  serverCores: number | null;
  /** Cores busy with other work on the machine during the run (see CpuUse). */
  otherCores: number | null;
}

interface Load {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
  overallRate?: number;
  timeout?: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Starts an autocannon run; latencies of 2xx responses are kept at full precision (autocannon's own histogram has 1 ms steps). */
function drive(
  load: Load,
  serverPid?: number,
): { instance: autocannon.Instance; done: Promise<Measurement> } {
  const latencies: number[] = [];
  const cpu = cpuWindow();
  const instance = autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    headers: load.headers,
    body: load.body,
    connections: load.connections,
    duration: load.duration,
    overallRate: load.overallRate,
    timeout: load.timeout ?? 10,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  const done = Promise.resolve(instance).then((result): Measurement => {
    const use = cpu.finish();
    const sorted = Float64Array.from(latencies).sort();
    const ok = result['2xx'];
    const statusCodes = Object.entries(result.statusCodeStats)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${code}×${count}`)
      .join(' ');
    return {
      rps: ok / result.duration,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      ok,
      failed: result.non2xx + result.errors + result.timeouts,
      statusCodes: [
        statusCodes,
        result.errors ? `errors×${result.errors}` : '',
        result.timeouts ? `timeouts×${result.timeouts}` : '',
      ]
        .filter(Boolean)
        .join(' '),
      serverCores: use.coresOf(serverPid),
      otherCores: use.otherCores,
    };
  });
  return { instance, done };
}

async function measure(
  label: string,
  load: Load,
  serverPid?: number,
  warmup = WARMUP,
): Promise<Measurement> {
  if (warmup > 0) {
    log(`${label}: warm-up ${warmup} s`);
    await drive({ ...load, duration: warmup }, serverPid).done;
  }
  log(
    `${label}: ${load.duration} s at ${load.connections} connections${load.overallRate ? `, ${load.overallRate} req/s` : ''}`,
  );
  const result = await drive(load, serverPid).done;
  log(
    `${label}: ${result.rps.toFixed(1)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${result.failed ? `, ${result.failed} failed (${result.statusCodes})` : ''}`,
  );
  return result;
}

/** raw bcrypt.compare at a fixed concurrency for `seconds`, in this (otherwise idle) process. */
async function rawBcrypt(
  hash: string,
  concurrency: number,
  seconds: number,
): Promise<{ rps: number; otherCores: number | null }> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  const cpu = cpuWindow();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (!(await bcrypt.compare(PASSWORD, hash)))
          throw new Error('raw bcrypt: password does not match');
        done += 1;
      }
    }),
  );
  return {
    rps: done / ((performance.now() - started) / 1000),
    otherCores: cpu.finish().otherCores,
  };
}

interface ApiEnvelope {
  success?: boolean;
  data?: unknown;
  pagination?: { total: number };
}

async function request(
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

const loginInit = (): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-tenant-id': SUBDOMAIN },
  body: JSON.stringify({ email: ADMIN_EMAIL, password: PASSWORD }),
});

/** Requests still queued server-side after autocannon stops keep the CPU busy: one more login waits behind them. */
async function drainLogins(server: Server): Promise<void> {
  const started = performance.now();
  await request(`${server.url}/api/auth/login`, {
    ...loginInit(),
    signal: AbortSignal.timeout(LOGIN_TIMEOUT_SECONDS * 1000),
  }).catch(() => undefined);
  log(
    `${server.name}: login queue drained in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

// ---------------------------------------------------------------- report

const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)]
    .map((row) => `  ${row}`)
    .join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  await printMachine();

  const databaseUrl = await createDatabase();
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  onCleanup('delete redis keys', async () => {
    const redis = new Redis(REDIS_URL);
    let deleted = 0;
    for await (const keys of redis.scanStream({
      match: `${prefix}*`,
      count: 1000,
    }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    await redis.quit();
    log(`deleted ${deleted} redis keys under ${prefix}`);
  });

  const passthrough = Object.fromEntries(
    [
      'BCRYPT_ROUNDS',
      'HASH_CONCURRENCY',
      'DB_POOL_SIZE',
      'SESSION_CACHE_TTL',
      'AUTH_IP_RATE_LIMIT',
      'LOGIN_MAX_FAILURES',
    ]
      .filter((key) => process.env[key])
      .map((key) => [key, process.env[key] as string]),
  );
  const serverEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    DB_RUN_MIGRATIONS: 'false',
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    JWT_ACCESS_EXPIRES_IN: '6h',
    // The limiters would turn the login benchmark into a 429 benchmark.
    AUTH_IP_RATE_LIMIT: '1000000',
    LOGIN_MAX_FAILURES: '1000',
    ...passthrough,
  };
  const config = loadConfig(serverEnv);
  console.log(
    `  app config  NODE_ENV=production LOG_LEVEL=warn BCRYPT_ROUNDS=${config.bcryptRounds} HASH_CONCURRENCY=${config.hashConcurrency} ` +
      `DB_POOL_SIZE=${config.database.type === 'mysql' ? config.database.poolSize : '-'} UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}\n` +
      `              AUTH_IP_RATE_LIMIT=${config.auth.ipRateLimit} LOGIN_MAX_FAILURES=${config.auth.loginMaxFailures} ` +
      `JWT_ACCESS_EXPIRES_IN=${config.jwt.accessTtlSeconds}s SESSION_CACHE_TTL=${config.auth.sessionCacheTtlSeconds}s`,
  );

  log('migrating and seeding');
  const seeded = await seed(config);
  console.log(
    `\nSeed: ${ORGS} organizations, ${seeded.users} users, ${seeded.products.toLocaleString('en')} products in ${seeded.seconds.toFixed(1)} s ` +
      `(migrations ${seeded.migrationSeconds.toFixed(1)} s, one bcrypt hash at cost ${config.bcryptRounds}, ANALYZE included)`,
  );

  log('starting the API and the bare server');
  const [api, bare] = await Promise.all([
    startServer('api', 'api-server.ts', serverEnv, API_NODE_ARGS),
    startServer('bare', 'bare-server.ts', serverEnv, BARE_NODE_ARGS),
  ]);
  for (const server of [api, bare])
    if (server.child.pid !== undefined) benchPids.add(server.child.pid);

  // One real login gives the token (and the session) both servers read; the API's first /me
  // below fills the session cache the bare server reads.
  const login = await request(`${api.url}/api/auth/login`, loginInit());
  const token = (login.body.data as { tokens?: { accessToken?: string } } | undefined)?.tokens
    ?.accessToken;
  if (login.status !== 200 || !token)
    throw new Error(`login through the API failed: ${login.status} ${JSON.stringify(login.body)}`);
  const auth = { authorization: `Bearer ${token}` };

  const routes = {
    me: {
      path: '/api/auth/me',
      check: (body: ApiEnvelope) =>
        typeof (body.data as { user?: { id?: string } })?.user?.id === 'string',
    },
    products: {
      path: '/api/products?limit=20',
      check: (body: ApiEnvelope) =>
        Array.isArray(body.data) &&
        body.data.length === 20 &&
        body.pagination?.total === PRODUCTS_PER_ORG,
    },
  };
  const broken: string[] = [];
  for (const server of [api, bare]) {
    for (const [name, route] of Object.entries(routes)) {
      const { status, body } = await request(server.url + route.path, { headers: auth });
      if (status !== 200 || !route.check(body))
        broken.push(`${server.name} ${name}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    const { status, body } = await request(`${server.url}/api/auth/login`, loginInit());
    if (status !== 200)
      broken.push(`${server.name} login: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  }
  for (const problem of broken) console.log(`  ! sanity check failed, ${problem}`);
  const works = (server: Server, name: string) =>
    !broken.some((line) => line.startsWith(`${server.name} ${name}:`));

  const run = async (server: Server, name: keyof typeof routes): Promise<Measurement | null> =>
    ONLY.has(name) && works(server, name)
      ? measure(
          `${server.name} ${name}`,
          {
            url: server.url + routes[name].path,
            headers: auth,
            connections: CONNECTIONS,
            duration: DURATION,
          },
          server.child.pid,
        )
      : null;

  // Interleaved (API, bare, API, bare...) so that drifting background load hits both sides alike.
  const apiMe = await run(api, 'me');
  const bareMe = await run(bare, 'me');
  const apiProducts = await run(api, 'products');
  const bareProducts = await run(bare, 'products');

  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let rawAtLimit: { rps: number; otherCores: number | null } | null = null;
  let rawAtPool: { rps: number; otherCores: number | null } | null = null;
  if (ONLY.has('login')) {
    const storedHash = await bcrypt.hash(PASSWORD, config.bcryptRounds);
    log(
      `raw bcrypt.compare at cost ${config.bcryptRounds}, ${config.hashConcurrency} at once: ${DURATION} s`,
    );
    rawAtLimit = await rawBcrypt(storedHash, config.hashConcurrency, DURATION);
    log(`raw bcrypt.compare, ${poolSize} at once (the whole libuv pool): ${DURATION} s`);
    rawAtPool = await rawBcrypt(storedHash, poolSize, DURATION);
  }

  const loginLoad = (server: Server): Load => ({
    url: `${server.url}/api/auth/login`,
    ...(loginInit() as { method: 'POST'; headers: Record<string, string>; body: string }),
    connections: CONNECTIONS,
    duration: DURATION,
    timeout: LOGIN_TIMEOUT_SECONDS,
  });
  let apiLogin: Measurement | null = null;
  let bareLogin: Measurement | null = null;
  if (ONLY.has('login') && works(api, 'login')) {
    apiLogin = await measure('api login', loginLoad(api), api.child.pid, 0);
    await drainLogins(api);
  }
  if (ONLY.has('login') && works(bare, 'login')) {
    bareLogin = await measure('bare login', loginLoad(bare), bare.child.pid, 0);
    await drainLogins(bare);
  }

  // Storm: /me at a fixed rate with few connections, quiet and then during a login storm.
  let storm: { rate: number; quiet: Measurement; loud: Measurement; logins: Measurement } | null =
    null;
  if (ONLY.has('storm') && works(api, 'me') && works(api, 'login')) {
    const rate = Math.max(
      10,
      Math.round(numberFrom('BENCH_STORM_RATE', Math.max(10, (apiMe?.rps ?? 500) * 0.2))),
    );
    const meLoad: Load = {
      url: api.url + routes.me.path,
      headers: auth,
      connections: 10,
      duration: DURATION,
      overallRate: rate,
    };
    const quiet = await measure('storm test, /me quiet', meLoad, api.child.pid);
    log(
      `storm test: ${CONNECTIONS} connections logging in, /me starts after ${STORM_LEAD_SECONDS} s`,
    );
    const stormRun = drive({ ...loginLoad(api), duration: DURATION + STORM_LEAD_SECONDS + 5 });
    await sleep(STORM_LEAD_SECONDS * 1000);
    const loud = await measure('storm test, /me during the storm', meLoad, api.child.pid, 0);
    stormRun.instance.stop();
    const logins = await stormRun.done;
    await drainLogins(api);
    storm = { rate, quiet, loud, logins };
  }

  // ------------------------------------------------------------ print
  const verdict = (ratio: number | null, target: number, higherIsBetter = true) =>
    ratio === null || Number.isNaN(ratio)
      ? 'n/a'
      : (higherIsBetter ? ratio >= target : ratio <= target)
        ? 'PASS'
        : 'MISS';
  const ratioOf = (a: Measurement | null, b: number | null | undefined) =>
    a && b ? a.rps / b : null;
  const cores = (m: Measurement | null) => fmt(m?.serverCores, 2);
  /** Server CPU time per successful request: less sensitive to other load on the machine than req/s. */
  const cpuPerRequest = (m: Measurement | null) =>
    m && m.serverCores !== null && m.rps > 0 ? fmt((m.serverCores / m.rps) * 1000, 3) : '-';
  const failures = (m: Measurement | null) => (m ? String(m.failed) : '-');
  const row = (
    route: string,
    m: Measurement | null,
    bareRps: number | null | undefined,
    target: number,
  ) => {
    const ratio = ratioOf(m, bareRps);
    return [
      route,
      fmt(m?.rps),
      fmt(m?.p50, 2),
      fmt(m?.p99, 2),
      failures(m),
      fmt(bareRps),
      fmt(ratio, 2),
      `>= ${target}`,
      verdict(ratio, target),
    ];
  };

  console.log(
    `\nThroughput (${DURATION} s per run, ${CONNECTIONS} connections; req/s counts 2xx only; latency in ms)`,
  );
  console.log(
    table(
      ['route', 'req/s', 'p50', 'p99', 'non-2xx', 'bare req/s', 'ratio', 'target', ''],
      [
        row('GET /api/auth/me', apiMe, bareMe?.rps, 0.5),
        row('GET /api/products?limit=20', apiProducts, bareProducts?.rps, 0.5),
        row(
          `POST /api/auth/login (bare: raw bcrypt ×${config.hashConcurrency})`,
          apiLogin,
          rawAtLimit?.rps,
          0.9,
        ),
      ],
    ),
  );
  console.log(
    `  login / raw bcrypt ×${poolSize}: ${fmt(ratioOf(apiLogin, rawAtPool?.rps), 2)}; ` +
      `login / bare login route: ${fmt(ratioOf(apiLogin, bareLogin?.rps), 2)}`,
  );

  console.log('\nBare counterparts');
  const bareRow = (name: string, m: Measurement | null) => [
    name,
    fmt(m?.rps),
    fmt(m?.p50, 2),
    fmt(m?.p99, 2),
    failures(m),
  ];
  console.log(
    table(
      ['bare', 'req/s', 'p50', 'p99', 'non-2xx'],
      [
        bareRow('GET /api/auth/me', bareMe),
        bareRow('GET /api/products?limit=20', bareProducts),
        bareRow('POST /api/auth/login (SQL lookup + bcrypt)', bareLogin),
        [`raw bcrypt.compare, ${config.hashConcurrency} at once`, fmt(rawAtLimit?.rps), '', '', ''],
        [`raw bcrypt.compare, ${poolSize} at once`, fmt(rawAtPool?.rps), '', '', ''],
      ],
    ),
  );

  console.log(
    '\nCPU (cores = server process busy during the run; ms/req = its CPU per successful request;\n' +
      '     other = cores used by every other process (not this benchmark, its servers, MariaDB, Redis): near 0 on a quiet machine)',
  );
  const other = (value: number | null | undefined) => fmt(value, 2);
  const cpuRow = (route: string, a: Measurement | null, b: Measurement | null) => [
    route,
    cores(a),
    cpuPerRequest(a),
    other(a?.otherCores),
    cores(b),
    cpuPerRequest(b),
    other(b?.otherCores),
  ];
  console.log(
    table(
      ['route', 'api cores', 'api ms/req', 'other', 'bare cores', 'bare ms/req', 'other'],
      [
        cpuRow('GET /api/auth/me', apiMe, bareMe),
        cpuRow('GET /api/products?limit=20', apiProducts, bareProducts),
        cpuRow('POST /api/auth/login', apiLogin, bareLogin),
        [
          `raw bcrypt ×${config.hashConcurrency} / ×${poolSize}`,
          '',
          '',
          other(rawAtLimit?.otherCores),
          '',
          '',
          other(rawAtPool?.otherCores),
        ],
      ],
    ),
  );

  if (storm) {
    const ratio = storm.loud.p99 / storm.quiet.p99;
    console.log(
      `\nLogin storm: /me at ${storm.rate} req/s over 10 connections, quiet, then while ${CONNECTIONS} connections log in ` +
        `(${fmt(storm.logins.rps)} logins/s succeeded, ${storm.logins.failed} non-2xx)`,
    );
    const stormRow = (name: string, m: Measurement) => [
      name,
      fmt(m.rps),
      fmt(m.p50, 2),
      fmt(m.p99, 2),
      failures(m),
      cores(m),
      other(m.otherCores),
    ];
    console.log(
      table(
        ['/me', 'req/s', 'p50', 'p99', 'non-2xx', 'api cores', 'other'],
        [stormRow('quiet', storm.quiet), stormRow('during the storm', storm.loud)],
      ),
    );
    console.log(
      `  p99 storm / quiet: ${fmt(ratio, 2)}x (target <= 3x) ${verdict(ratio, 3, false)}`,
    );
  }

  const contaminated = [
    apiMe,
    bareMe,
    apiProducts,
    bareProducts,
    apiLogin,
    bareLogin,
    storm?.quiet,
    storm?.loud,
    rawAtLimit,
    rawAtPool,
  ]
    .map((m) => m?.otherCores ?? 0)
    .reduce((max, value) => Math.max(max, value), 0);
  if (contaminated > 0.15) {
    console.log(
      `\n! Other processes used up to ${contaminated.toFixed(2)} of ${os.cpus().length} cores during the runs: ` +
        'the figures above are contaminated; run again on a quiet machine.',
    );
  }

  const busyAfter = await machineBusy(1000);
  console.log(
    `\nAfter: load avg ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; ` +
      `${busyAfter === null ? '?' : `${(busyAfter * 100).toFixed(0)}%`} of all CPUs busy over 1 s with the benchmark idle (servers still up).`,
  );
  if (broken.length > 0) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
