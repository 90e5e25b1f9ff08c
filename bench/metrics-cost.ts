/**
 * What the metrics add to one authenticated request, in CPU, measured apart from the HTTP run
 * (`node -r ./bench/register.js bench/metrics-cost.ts`): the work the hooks and the measured
 * key-value store do for a /me request (in flight, duration and count by route, one timed
 * script), looped with a fresh response object each time, minus the same loop without it.
 * CPU time rather than wall time, and the median of five rounds, so a busy machine disturbs it
 * far less than it disturbs the throughput runs.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Metrics } from '../src/metrics/metrics';

const ITERATIONS = 1_000_000;
const ROUNDS = 5;

const metrics = new Metrics({ metrics: { enabled: true, host: '127.0.0.1', port: 0 } });

function request(measured: boolean): void {
  const response = new EventEmitter();
  if (measured) {
    metrics.requestStarted(response as ServerResponse);
    metrics.kvDuration.observe({ operation: 'script:check-access' }, 0.0003);
    metrics.requestCompleted('GET', '/api/auth/me', 200, 0.004);
  }
  response.emit('close');
}

/** CPU nanoseconds per call of `request(measured)`, after a warm-up. */
function cpuNanoseconds(measured: boolean): number {
  for (let i = 0; i < ITERATIONS / 5; i += 1) request(measured);
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i += 1) request(measured);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / ITERATIONS;
}

const rounds = Array.from({ length: ROUNDS }, () => cpuNanoseconds(true) - cpuNanoseconds(false));
rounds.sort((a, b) => a - b);
console.log(
  `metrics CPU per /me request: median ${Math.round(rounds[Math.floor(ROUNDS / 2)])} ns ` +
    `(rounds: ${rounds.map((ns) => Math.round(ns)).join(', ')} ns)`,
);
