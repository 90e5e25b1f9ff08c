import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppConfig } from '../config/app-config';

/**
 * Buckets in seconds, chosen per kind of call: each observation walks them, so there are few,
 * spread where the answers of this API fall.
 */
// Requests: a cached /me answers in about a millisecond, a login with bcrypt in a few hundred.
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// Key-value calls: one Redis round trip is a fraction of a millisecond on a LAN.
const KV_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5];
// SQL: indexed lookups take about a millisecond, listings and migrations much longer.
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
// Jobs: a mail over SMTP takes tens of milliseconds to seconds.
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The route label of a request no route matched (404s): never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The policy label of a 429 without a readable `RateLimit-Policy` header. */
export const UNKNOWN_POLICY = 'unknown';

/** Distinct policy labels kept; later names count as UNKNOWN_POLICY, so a header cannot inflate the series. */
const MAX_POLICIES = 16;

const POLICY_NAME = /^\s*(?:"([A-Za-z0-9_.:-]{1,32})"|([A-Za-z][A-Za-z0-9_.:-]{0,31}))/;

export type LoginOutcome =
  | 'success'
  | 'mfa_required'
  | 'bad_credentials'
  | 'throttled'
  | 'email_unverified'
  | 'rejected'
  | 'error';

export type RefreshOutcome = 'success' | 'invalid' | 'reuse' | 'inactive' | 'error';

/**
 * Every series this process exports, on a registry of its own (several apps in one test
 * process must not share one). Labels take values from small fixed sets only: route templates,
 * methods, status codes, outcomes, operation and job names; never a tenant, user or email.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly enabled: boolean;

  private inFlight = 0;
  private readonly policies = new Set<string>();
  /** One function for every response's 'close' event: no closure per request. */
  private readonly requestClosed = (): void => {
    this.inFlight -= 1;
  };

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to the end of its response, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  // A plain number on the hot path; the gauge reads it at scrape time.
  private readonly inFlightGauge: Gauge = new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests received and not yet answered or abandoned by their client.',
    registers: [this.registry],
    collect: () => this.inFlightGauge.set(this.inFlight),
  });

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'http_rate_limit_rejections_total',
    help: 'Requests refused with 429, by the policy its RateLimit-Policy header names ("unknown" without one).',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'auth_logins_total',
    help: 'Password sign-ins (organization and platform), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly lockouts = new Counter({
    name: 'auth_lockouts_total',
    help: 'Login locks set off: one client on an account ("client"), or the account for everyone ("account").',
    labelNames: ['lock'] as const,
    registers: [this.registry],
  });

  readonly refreshes = new Counter({
    name: 'auth_refreshes_total',
    help: 'Refresh-token rotations by outcome; "reuse" counts detected reuse of a rotated token.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly kvDuration = new Histogram({
    name: 'kv_operation_duration_seconds',
    help: 'Key-value store calls, by operation (a script by its name), failed ones included.',
    labelNames: ['operation'] as const,
    buckets: KV_BUCKETS,
    registers: [this.registry],
  });

  readonly dbQueryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'SQL statements, by kind (select, insert, update, delete, other), failed ones included.',
    labelNames: ['operation'] as const,
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'job_duration_seconds',
    help: 'Job attempts run by this process, by job name and outcome (completed, failed).',
    labelNames: ['job', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });

  constructor(config: Pick<AppConfig, 'metrics'>) {
    this.enabled = config.metrics.enabled;
    if (this.enabled) this.collectDefaults();
  }

  /**
   * Process CPU, memory, file descriptors, GC and the event-loop lag (nodejs_eventloop_lag_*).
   * prom-client's `nodejs_active_*_total` are gauges named like counters, which promtool
   * rejects; each is the sum of the `nodejs_active_*` gauge by type beside it, so they go.
   */
  private collectDefaults(): void {
    collectDefaultMetrics({ register: this.registry });
    for (const kind of ['handles', 'requests', 'resources'])
      this.registry.removeSingleMetric(`nodejs_active_${kind}_total`);
  }

  /** Called from the onRequest hook; the response's 'close' event fires once, answered or aborted. */
  requestStarted(response: ServerResponse): void {
    this.inFlight += 1;
    response.on('close', this.requestClosed);
  }

  /** Called from the onResponse hook with the route template Fastify matched (undefined: none). */
  requestCompleted(
    method: string,
    route: string | undefined,
    statusCode: number,
    seconds: number,
  ): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status_code: statusCode };
    this.httpDuration.observe(labels, seconds);
    this.httpRequests.inc(labels);
  }

  /** A 429, counted under the policy its `RateLimit-Policy` response header names. */
  rateLimited(policyHeader: unknown): void {
    this.rateLimitRejections.inc({ policy: this.policyOf(policyHeader) });
  }

  /**
   * The name of the first policy of an IETF `RateLimit-Policy` header (`"tenant";q=3000;w=60`,
   * or a bare token), from a bounded set of names.
   */
  policyOf(header: unknown): string {
    const value = Array.isArray(header) ? (header as unknown[])[0] : header;
    if (typeof value !== 'string') return UNKNOWN_POLICY;
    const match = POLICY_NAME.exec(value);
    const name = match?.[1] ?? match?.[2];
    if (!name) return UNKNOWN_POLICY;
    if (this.policies.has(name)) return name;
    if (this.policies.size >= MAX_POLICIES) return UNKNOWN_POLICY;
    this.policies.add(name);
    return name;
  }
}
