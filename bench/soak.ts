/**
 * The memory soak: `/me` and the product list together at half of the capacity this run
 * measured, for BENCH_SOAK_DURATION seconds, with the API's heap after a forced full GC at the
 * start (after a warm-up at the same load) and at the end. A heap that grows by more than
 * SOAK_MAX_GROWTH over the soak is a leak to look for.
 */
import { settings, STORM_ME_CONNECTIONS } from './config';
import { heapAfterGc, type HeapSample } from './heap';
import { drive, type Measurement } from './measure';
import { fmt, progress, table } from './report';
import type { Server } from './servers';

/** The share of the measured capacity the soak runs at, split evenly between its two routes. */
const SOAK_LOAD = 0.5;
/** Heap growth over the soak, after GC, that still passes. */
export const SOAK_MAX_GROWTH = 0.1;
/** Warm-up before the first heap sample: a tenth of the soak, at most 30 s. */
const WARMUP_SHARE = 0.1;
const MAX_WARMUP_SECONDS = 30;

export interface SoakRoute {
  name: string;
  path: string;
  /** Measured req/s of the route alone at full load. */
  capacity: number;
}

export interface Soak {
  routes: (SoakRoute & { rate: number; result: Measurement })[];
  start: HeapSample;
  end: HeapSample;
  growth: number;
}

export async function soakRun(
  api: Server,
  headers: Record<string, string>,
  routes: SoakRoute[],
): Promise<Soak> {
  const rated = routes.map((route) => ({
    ...route,
    rate: Math.max(1, Math.round((route.capacity * SOAK_LOAD) / routes.length)),
  }));
  const load = (duration: number) =>
    rated.map(
      (route) =>
        drive(
          {
            url: api.url + route.path,
            headers,
            connections: STORM_ME_CONNECTIONS,
            duration,
            overallRate: route.rate,
          },
          api.child.pid,
        ).done,
    );
  const warmup = Math.max(
    1,
    Math.round(Math.min(MAX_WARMUP_SECONDS, settings.soakDuration * WARMUP_SHARE)),
  );
  const rates = rated.map((route) => `${route.name} ${route.rate} req/s`).join(', ');
  progress(`soak: warm-up ${warmup} s at ${rates}`);
  await Promise.all(load(warmup));
  const start = await heapAfterGc(api);
  progress(`soak: ${settings.soakDuration} s at ${rates}, heap after GC ${mib(start.heapUsed)}`);
  const results = await Promise.all(load(settings.soakDuration));
  const end = await heapAfterGc(api);
  const growth = (end.heapUsed - start.heapUsed) / start.heapUsed;
  progress(`soak: heap after GC ${mib(end.heapUsed)} (${pct(growth)})`);
  return {
    routes: rated.map((route, index) => ({ ...route, result: results[index] })),
    start,
    end,
    growth,
  };
}

const mib = (bytes: number): string => `${fmt(bytes / 2 ** 20)} MiB`;
const pct = (share: number): string => `${share >= 0 ? '+' : ''}${fmt(share * 100)}%`;

export function printSoak(soak: Soak): void {
  console.log(
    `\nMemory soak: ${settings.soakDuration} s, both routes at once, together at ${SOAK_LOAD * 100}% of the capacity measured alone`,
  );
  console.log(
    table(
      [
        'route',
        'capacity req/s',
        'soak req/s',
        'served req/s',
        'p50 ms',
        'p99 ms',
        'failed',
        'other',
      ],
      soak.routes.map(({ name, capacity, rate, result }) => [
        name,
        fmt(capacity, 0),
        String(rate),
        fmt(result.rps),
        fmt(result.p50, 2),
        fmt(result.p99, 2),
        result.failed ? `${result.failed} (${result.statusCodes})` : '0',
        fmt(result.otherCores, 2),
      ]),
    ),
  );
  const verdict = soak.growth <= SOAK_MAX_GROWTH ? 'met' : '**missed**';
  console.log(
    table(
      ['heap after a full GC', 'heap used', 'heap total', 'rss'],
      [
        ['start', mib(soak.start.heapUsed), mib(soak.start.heapTotal), mib(soak.start.rss)],
        ['end', mib(soak.end.heapUsed), mib(soak.end.heapTotal), mib(soak.end.rss)],
      ],
    ),
  );
  console.log(
    `  heap growth ${pct(soak.growth)} (target ≤ +${SOAK_MAX_GROWTH * 100}%) — ${verdict}`,
  );
}
