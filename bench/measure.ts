/**
 * Load runs with autocannon and what they measured: throughput of 2xx responses, their latency
 * at full precision, and the CPU the server and everything else used meanwhile.
 */
import autocannon from 'autocannon';
import * as bcrypt from 'bcrypt';
import { LOGIN_TIMEOUT_SECONDS, PASSWORD, settings } from './config';
import { cpuWindow } from './machine';
import { progress } from './report';
import { loginRequest, request, type Server } from './servers';

/** autocannon's default, in seconds; logins under load get LOGIN_TIMEOUT_SECONDS. */
const REQUEST_TIMEOUT_SECONDS = 10;

export interface Measurement {
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

export interface Load {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
  overallRate?: number;
  timeout?: number;
}

export interface BcryptRun {
  rps: number;
  otherCores: number | null;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Starts an autocannon run; latencies of 2xx responses are kept at full precision (autocannon's own histogram has 1 ms steps). */
export function drive(
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
    timeout: load.timeout ?? REQUEST_TIMEOUT_SECONDS,
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

/** A warm-up run (not counted), then the measured run. */
export async function measure(
  label: string,
  load: Load,
  serverPid?: number,
  warmup = settings.warmup,
): Promise<Measurement> {
  if (warmup > 0) {
    progress(`${label}: warm-up ${warmup} s`);
    await drive({ ...load, duration: warmup }, serverPid).done;
  }
  progress(
    `${label}: ${load.duration} s at ${load.connections} connections${load.overallRate ? `, ${load.overallRate} req/s` : ''}`,
  );
  const result = await drive(load, serverPid).done;
  progress(
    `${label}: ${result.rps.toFixed(1)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${result.failed ? `, ${result.failed} failed (${result.statusCodes})` : ''}`,
  );
  return result;
}

/** Raw bcrypt.compare at a fixed concurrency for `seconds`, in this (otherwise idle) process. */
export async function rawBcrypt(
  hash: string,
  concurrency: number,
  seconds: number,
): Promise<BcryptRun> {
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

/** Logins for `settings.duration` seconds at full concurrency. */
export function loginLoad(server: Server): Load {
  return {
    url: `${server.url}/api/auth/login`,
    ...loginRequest,
    connections: settings.connections,
    duration: settings.duration,
    timeout: LOGIN_TIMEOUT_SECONDS,
  };
}

/** Requests still queued server-side after autocannon stops keep the CPU busy: one more login waits behind them. */
export async function drainLogins(server: Server): Promise<void> {
  const started = performance.now();
  await request(`${server.url}/api/auth/login`, {
    ...loginRequest,
    signal: AbortSignal.timeout(LOGIN_TIMEOUT_SECONDS * 1000),
  }).catch(() => undefined);
  progress(
    `${server.name}: login queue drained in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
