/**
 * What the benchmark prints: progress on stderr, the figures on stdout (machine, settings,
 * the tables with their targets). Figures are printed, never asserted.
 */
import os from 'node:os';
import type { AppConfig } from '../src/config/app-config';
import { settings, STORM_ME_CONNECTIONS } from './config';
import type { Machine } from './machine';
import type { BcryptRun, Measurement } from './measure';
import type { Seeded } from './seed';

/** Share of a core other processes may use before the figures count as contaminated. */
const CONTAMINATION_CORES = 0.15;
/** API req/s over bare req/s, at least. */
const TARGET_RATIO_READS = 0.5;
/** Login req/s over raw bcrypt.compare at the same concurrency, at least. */
const TARGET_RATIO_LOGIN = 0.9;
/** /me p99 during a login storm over quiet, at most. */
const TARGET_STORM_P99 = 3;

export interface Storm {
  rate: number;
  quiet: Measurement;
  loud: Measurement;
  logins: Measurement;
}

export interface Results {
  apiMe: Measurement | null;
  bareMe: Measurement | null;
  apiProducts: Measurement | null;
  bareProducts: Measurement | null;
  apiLogin: Measurement | null;
  bareLogin: Measurement | null;
  rawAtLimit: BcryptRun | null;
  rawAtPool: BcryptRun | null;
  storm: Storm | null;
}

export const progress = (line: string): void => void process.stderr.write(`· ${line}\n`);

export const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

const loadAverages = (): string =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

export function table(header: string[], rows: string[][]): string {
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

export function printMachine(machine: Machine): void {
  console.log('Benchmark');
  console.log(`  date        ${new Date().toISOString()}`);
  console.log(`  cpu         ${machine.cpu} × ${machine.cores} cores`);
  console.log(`  memory      ${machine.memoryGiB.toFixed(1)} GiB`);
  console.log(`  os          ${machine.os}`);
  console.log(`  node        ${machine.node}`);
  console.log(`  mariadb     ${machine.mariadb}`);
  console.log(`  redis       ${machine.redis}`);
  console.log(
    `  load avg    ${machine.load.map((value) => value.toFixed(2)).join(' ')} (1, 5, 15 min)`,
  );
  console.log(
    `  busy before ${machine.busy === null ? '?' : `${(machine.busy * 100).toFixed(0)}% of all CPUs over 1 s, before the benchmark started anything`}`,
  );
  console.log(`  busiest processes (ps, %CPU over each lifetime):\n${machine.busiestProcesses}`);
  console.log(
    `  settings    ${settings.duration} s per run, ${settings.connections} connections, ${settings.warmup} s warm-up, ` +
      `${settings.organizations} organizations × ${settings.productsPerOrganization} products`,
  );
}

export function printAppConfig(config: AppConfig): void {
  console.log(
    `  app config  NODE_ENV=production LOG_LEVEL=warn BCRYPT_ROUNDS=${config.bcryptRounds} HASH_CONCURRENCY=${config.hashConcurrency} ` +
      `DB_POOL_SIZE=${config.database.type === 'mysql' ? config.database.poolSize : '-'} UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}\n` +
      `              AUTH_IP_RATE_LIMIT=${config.auth.ipRateLimit} LOGIN_MAX_FAILURES=${config.auth.loginMaxFailures} ` +
      `LOGIN_ACCOUNT_MAX_FAILURES=${config.auth.loginAccountMaxFailures} ` +
      `JWT_ACCESS_EXPIRES_IN=${config.jwt.accessTtlSeconds}s SESSION_CACHE_TTL=${config.auth.sessionCacheTtlSeconds}s ` +
      `METRICS=${config.metrics.enabled ? `on (port ${config.metrics.port})` : 'off'}`,
  );
}

export function printSeed(seeded: Seeded, config: AppConfig): void {
  console.log(
    `\nSeed: ${settings.organizations} organizations, ${seeded.users} users, ${seeded.products.toLocaleString('en')} products in ${seeded.seconds.toFixed(1)} s ` +
      `(migrations ${seeded.migrationSeconds.toFixed(1)} s, one bcrypt hash at cost ${config.bcryptRounds}, ANALYZE included)`,
  );
}

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
const other = (value: number | null | undefined) => fmt(value, 2);

function printThroughput(results: Results, hashConcurrency: number): void {
  const { apiMe, bareMe, apiProducts, bareProducts, apiLogin, bareLogin } = results;
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
    `\nThroughput (${settings.duration} s per run, ${settings.connections} connections; req/s counts 2xx only; latency in ms)`,
  );
  console.log(
    table(
      ['route', 'req/s', 'p50', 'p99', 'non-2xx', 'bare req/s', 'ratio', 'target', ''],
      [
        row('GET /api/auth/me', apiMe, bareMe?.rps, TARGET_RATIO_READS),
        row('GET /api/products?limit=20', apiProducts, bareProducts?.rps, TARGET_RATIO_READS),
        row(
          `POST /api/auth/login (bare: raw bcrypt ×${hashConcurrency})`,
          apiLogin,
          results.rawAtLimit?.rps,
          TARGET_RATIO_LOGIN,
        ),
      ],
    ),
  );
  console.log(
    `  login / raw bcrypt ×${settings.threadPoolSize}: ${fmt(ratioOf(apiLogin, results.rawAtPool?.rps), 2)}; ` +
      `login / bare login route: ${fmt(ratioOf(apiLogin, bareLogin?.rps), 2)}`,
  );
}

function printBare(results: Results, hashConcurrency: number): void {
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
        bareRow('GET /api/auth/me', results.bareMe),
        bareRow('GET /api/products?limit=20', results.bareProducts),
        bareRow('POST /api/auth/login (SQL lookup + bcrypt)', results.bareLogin),
        [
          `raw bcrypt.compare, ${hashConcurrency} at once`,
          fmt(results.rawAtLimit?.rps),
          '',
          '',
          '',
        ],
        [
          `raw bcrypt.compare, ${settings.threadPoolSize} at once`,
          fmt(results.rawAtPool?.rps),
          '',
          '',
          '',
        ],
      ],
    ),
  );
}

function printCpu(results: Results, hashConcurrency: number): void {
  console.log(
    '\nCPU (cores = server process busy during the run; ms/req = its CPU per successful request;\n' +
      '     other = cores used by every other process (not this benchmark, its servers, MariaDB, Redis): near 0 on a quiet machine)',
  );
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
        cpuRow('GET /api/auth/me', results.apiMe, results.bareMe),
        cpuRow('GET /api/products?limit=20', results.apiProducts, results.bareProducts),
        cpuRow('POST /api/auth/login', results.apiLogin, results.bareLogin),
        [
          `raw bcrypt ×${hashConcurrency} / ×${settings.threadPoolSize}`,
          '',
          '',
          other(results.rawAtLimit?.otherCores),
          '',
          '',
          other(results.rawAtPool?.otherCores),
        ],
      ],
    ),
  );
}

function printStorm(storm: Storm): void {
  const ratio = storm.loud.p99 / storm.quiet.p99;
  console.log(
    `\nLogin storm: /me at ${storm.rate} req/s over ${STORM_ME_CONNECTIONS} connections, quiet, then while ${settings.connections} connections log in ` +
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
    `  p99 storm / quiet: ${fmt(ratio, 2)}x (target <= ${TARGET_STORM_P99}x) ${verdict(ratio, TARGET_STORM_P99, false)}`,
  );
}

function printContamination(results: Results): void {
  const { storm, ...runs } = results;
  const contaminated = [...Object.values(runs), storm?.quiet, storm?.loud]
    .map((m) => m?.otherCores ?? 0)
    .reduce((max, value) => Math.max(max, value), 0);
  if (contaminated > CONTAMINATION_CORES) {
    console.log(
      `\n! Other processes used up to ${contaminated.toFixed(2)} of ${os.cpus().length} cores during the runs: ` +
        'the figures above are contaminated; run again on a quiet machine.',
    );
  }
}

export function printResults(results: Results, config: AppConfig): void {
  printThroughput(results, config.hashConcurrency);
  printBare(results, config.hashConcurrency);
  printCpu(results, config.hashConcurrency);
  if (results.storm) printStorm(results.storm);
  printContamination(results);
}

export function printAfter(busyAfter: number | null): void {
  console.log(
    `\nAfter: load avg ${loadAverages()}; ` +
      `${busyAfter === null ? '?' : `${(busyAfter * 100).toFixed(0)}%`} of all CPUs busy over 1 s with the benchmark idle (servers still up).`,
  );
}
