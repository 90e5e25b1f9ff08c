import {
  aesKey,
  appUrl,
  boolean,
  byteSize,
  databaseUrl,
  duration,
  durationMs,
  emailAddress,
  hostname,
  integer,
  mailbox,
  mysqlUrls,
  nonEmpty,
  oneOf,
  origins,
  redisClusterNodes,
  redisKeyPrefix,
  redisUrl,
  secret,
  smtpUrl,
  text,
  trustProxy,
  type EnvVarSpec,
} from './env-parsers';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every environment variable the API reads, with its default and parser.
 * `.env.example` and the table in docs/configuration.md document exactly this list
 * (a unit test keeps them in step).
 */
export const ENV_SCHEMA = {
  NODE_ENV: {
    description:
      'development, test or production. Production requires DATABASE_URL, REDIS_URL (or REDIS_CLUSTER_NODES), JWT_SECRET, API_KEY_PEPPER, MFA_ENCRYPTION_KEY, SMTP_URL, MAIL_FROM and APP_URL. API keys say live in production and test otherwise (sk_live_..., sk_test_...).',
    default: 'development',
    parse: oneOf('development', 'test', 'production'),
  },
  HOST: { description: 'Interface the HTTP server binds to.', default: '0.0.0.0', parse: text },
  PORT: { description: 'HTTP port.', default: '3000', parse: integer(0, 65535) },
  METRICS_HOST: {
    description:
      'Interface the Prometheus metrics listener binds to; keep it private (never the public interface).',
    default: '127.0.0.1',
    parse: text,
  },
  METRICS_PORT: {
    description:
      'Port of the metrics listener (GET /metrics, Prometheus text format), apart from the API port. 0: no listener and no metrics collected.',
    default: '9464',
    parse: integer(0, 65535),
  },
  DATABASE_URL: {
    description:
      'mysql://user:pass@host:3306/db for MySQL 8 / MariaDB. Unset: embedded SQLite file ./data/app.sqlite (or sqlite:PATH).',
    parse: databaseUrl,
  },
  DATABASE_REPLICA_URLS: {
    description:
      'Comma-separated mysql:// URLs of read replicas of DATABASE_URL (which must be mysql://). Only list reads go to them; see docs/operations.md. Unset: every read goes to DATABASE_URL.',
    parse: mysqlUrls,
  },
  DB_POOL_SIZE: {
    description: 'MySQL connection pool size per instance.',
    default: '10',
    parse: integer(1, 500),
  },
  DB_RUN_MIGRATIONS: {
    description:
      'Apply pending migrations at boot. Default: true for SQLite, false for MySQL (run `npm run migration:run` before serving).',
    parse: boolean,
  },
  REDIS_URL: {
    description:
      'redis://[:password@]host:6379[/db]. Unset: in-process key-value store (single instance only).',
    parse: redisUrl,
  },
  REDIS_CLUSTER_NODES: {
    description:
      "Redis Cluster instead of one Redis: comma-separated host:port seed nodes (an item may be redis://[user:password@]host:port to give the nodes' credentials). Not together with REDIS_URL.",
    parse: redisClusterNodes,
  },
  REDIS_KEY_PREFIX: {
    description:
      'Prefix in front of every key this API writes, so several apps can share one Redis. No braces: keys carry their own Redis Cluster hash tags.',
    default: 'saas:',
    parse: redisKeyPrefix,
  },
  JWT_SECRET: {
    description:
      'HS256 signing secret, at least 32 characters. Unset outside production: a random per-boot secret.',
    parse: secret,
  },
  MFA_ENCRYPTION_KEY: {
    description:
      'AES-256-GCM key of the TOTP secrets at rest: 32 bytes in base64. Unset outside production: derived from JWT_SECRET, or random per boot without it.',
    parse: aesKey,
  },
  MFA_ENCRYPTION_KEY_PREVIOUS: {
    description:
      'During a key rotation, the key MFA_ENCRYPTION_KEY replaces: secrets sealed under it still open, and move to the new key at their next use.',
    parse: aesKey,
  },
  MFA_ISSUER: {
    description: 'The product name authenticator apps show beside the code (the otpauth issuer).',
    default: 'Tenancy API',
    parse: text,
  },
  SUPERUSER_MFA_REQUIRED: {
    description:
      'true: a superuser without two-factor authentication can only enrol in it until they have.',
    default: 'false',
    parse: boolean,
  },
  JWT_ACCESS_EXPIRES_IN: {
    description: 'Access token lifetime (15m, 3600s, 7d or seconds).',
    default: '15m',
    parse: duration,
  },
  JWT_REFRESH_EXPIRES_IN: {
    description: 'Refresh token / session lifetime.',
    default: '7d',
    parse: duration,
  },
  SESSION_MAX_AGE: {
    description:
      'Absolute session lifetime from login, however often it is refreshed; at least JWT_REFRESH_EXPIRES_IN.',
    default: '30d',
    parse: duration,
  },
  SESSION_IDLE_TIMEOUT: {
    description:
      'Ends a session after this long with no refresh and no authenticated request; shorter than SESSION_MAX_AGE. Unset: off.',
    parse: duration,
  },
  JWT_ISSUER: {
    description: 'iss claim of issued access tokens, checked on every request.',
    default: 'saas-api',
    parse: text,
  },
  JWT_AUDIENCE: {
    description: 'aud claim of issued access tokens, checked on every request.',
    default: 'saas-api',
    parse: text,
  },
  BCRYPT_ROUNDS: {
    description: 'bcrypt cost factor for password hashes.',
    default: '12',
    parse: integer(4, 15),
  },
  CORS_ORIGINS: {
    description:
      'Comma-separated allowlist of browser origins (https://app.example.com). Empty: no cross-origin access.',
    default: '',
    parse: origins,
  },
  TRUST_PROXY: {
    description:
      'false, a hop count, or comma-separated proxy IPs/CIDRs whose X-Forwarded-For is believed.',
    default: 'false',
    parse: trustProxy,
  },
  LOG_LEVEL: {
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    default: 'info',
    parse: oneOf(...LOG_LEVELS),
  },
  BODY_LIMIT: {
    description: 'Largest accepted request body (bytes, or 512kb / 1mb).',
    default: '1mb',
    parse: byteSize,
  },
  SHUTDOWN_TIMEOUT: {
    description: 'How long SIGTERM waits for in-flight requests before closing anyway.',
    default: '10s',
    parse: duration,
  },
  DOCS_ENABLED: {
    description:
      'Serve Swagger UI at /api/docs and the OpenAPI document at /api/docs-json. Unset: on, except when NODE_ENV=production.',
    parse: boolean,
  },
  TENANT_BASE_DOMAIN: {
    description:
      'Base domain for tenant subdomains: with example.com, Host acme.example.com selects tenant acme.',
    default: 'localhost',
    parse: hostname,
  },
  REFRESH_REUSE_GRACE: {
    description:
      'Window in which the immediately previous refresh token gets the same successor again instead of revoking the session.',
    default: '5s',
    parse: duration,
  },
  SESSION_CACHE_TTL: {
    description: 'Sliding lifetime of the per-user session cache in Redis.',
    default: '1h',
    parse: duration,
  },
  LOGIN_MAX_FAILURES: {
    description:
      'Failed logins per account (organization and email) and client (IPv4 address or IPv6 /64) before that client gets 429 for the account.',
    default: '5',
    parse: integer(1, 1000),
  },
  LOGIN_ACCOUNT_MAX_FAILURES: {
    description:
      'Failed logins per account from all clients together before the account is locked for everyone (429).',
    default: '50',
    parse: integer(1, 1_000_000),
  },
  LOGIN_FAILURE_WINDOW: {
    description: 'Window in which failed logins are counted (and the lockout lasts).',
    default: '15m',
    parse: duration,
  },
  AUTH_IP_RATE_LIMIT: {
    description:
      'Login, register, invitation preview/accept and password reset requests allowed per client (IPv4 address or IPv6 /64) within AUTH_IP_RATE_WINDOW; each kind of request counts separately.',
    default: '30',
    parse: integer(1, 1_000_000),
  },
  AUTH_IP_RATE_WINDOW: {
    description: 'Window of AUTH_IP_RATE_LIMIT.',
    default: '1m',
    parse: duration,
  },
  HASH_CONCURRENCY: {
    description:
      'bcrypt hashes computed at once per instance; more wait, so logins cannot starve other requests.',
    default: '2',
    parse: integer(1, 64),
  },
  WORKERS: {
    description:
      'inline: this process runs the job workers; off: it runs none (run `npm run worker` beside it; needs REDIS_URL).',
    default: 'inline',
    parse: oneOf('inline', 'off'),
  },
  JOB_MAX_ATTEMPTS: {
    description: 'Attempts of a job before it is kept as failed (with its last error).',
    default: '8',
    parse: integer(1, 100),
  },
  JOB_BACKOFF: {
    description:
      'Wait before the second attempt of a failed job, doubling with each further attempt (with jitter).',
    default: '5s',
    parse: durationMs,
  },
  OUTBOX_POLL_INTERVAL: {
    description:
      'How often the outbox relay looks for events not yet queued (events committed here are queued at once).',
    default: '1s',
    parse: durationMs,
  },
  JOB_LOCK_DURATION: {
    description:
      'How long a worker holds a running job without renewing its lock (renewed at half of it); a job whose worker died runs again within about twice this.',
    default: '30s',
    parse: durationMs,
  },
  SUPERUSER_EMAIL: {
    description:
      'Email of the platform superuser that `npm run superuser:create` creates or updates (--email wins). Read by that command only.',
    parse: emailAddress,
  },
  SUPERUSER_PASSWORD: {
    description:
      'Password for `npm run superuser:create` (--password wins); must pass the password policy. No default. Read by that command only.',
    parse: nonEmpty,
  },
  SMTP_URL: {
    description:
      'smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465. Unset: each message is an .eml file under MAIL_OUTBOX_DIR and its links are logged (development only).',
    parse: smtpUrl,
  },
  MAIL_FROM: {
    description:
      'From address of every email: no-reply@example.com or "Acme <no-reply@example.com>".',
    default: 'no-reply@localhost',
    parse: mailbox,
  },
  MAIL_OUTBOX_DIR: {
    description: 'Folder the .eml files are written to when SMTP_URL is unset.',
    default: './data/outbox',
    parse: text,
  },
  APP_URL: {
    description:
      'Base URL of the frontend that email links point to (${APP_URL}/reset-password?token=...): absolute http(s), no query or fragment.',
    default: 'http://localhost:3000',
    parse: appUrl,
  },
  INVITATION_TTL: {
    description: 'How long an invitation link stays valid.',
    default: '7d',
    parse: duration,
  },
  PASSWORD_RESET_TTL: {
    description: 'How long a password reset link stays valid.',
    default: '30m',
    parse: duration,
  },
  API_KEY_PEPPER: {
    description:
      'Server-side secret, at least 32 characters, under which API key secrets are stored (HMAC-SHA256); changing it invalidates every key. Unset outside production: a random per-boot pepper.',
    parse: secret,
  },
  API_KEY_RATE_LIMIT: {
    description:
      'Requests allowed to each API key within RATE_LIMIT_WINDOW, counted across every instance (429 with Retry-After past it); 0: off.',
    default: '600',
    parse: integer(0, 1_000_000),
  },
  RATE_LIMIT_IP: {
    description:
      'Requests allowed per client (IPv4 address or IPv6 /64) within RATE_LIMIT_WINDOW on every route but /health: within each organization for authenticated requests, and apart for public ones; 0: off.',
    default: '300',
    parse: integer(0, 1_000_000),
  },
  RATE_LIMIT_TENANT: {
    description:
      'Authenticated requests allowed per organization (all its users and API keys together) within RATE_LIMIT_WINDOW; 0: off.',
    default: '3000',
    parse: integer(0, 10_000_000),
  },
  RATE_LIMIT_WINDOW: {
    description:
      'Window of RATE_LIMIT_IP, RATE_LIMIT_TENANT and API_KEY_RATE_LIMIT: a limit may be used at once, then refills evenly over the window.',
    default: '1m',
    parse: duration,
  },
  PASSWORD_RESET_RATE_LIMIT: {
    description:
      'Password reset requests allowed per email address (within an organization) within PASSWORD_RESET_RATE_WINDOW, whether or not an account has it.',
    default: '5',
    parse: integer(1, 1_000_000),
  },
  PASSWORD_RESET_RATE_WINDOW: {
    description: 'Window of PASSWORD_RESET_RATE_LIMIT.',
    default: '1h',
    parse: duration,
  },
} satisfies Record<string, EnvVarSpec<unknown>>;

type Schema = typeof ENV_SCHEMA;
export type EnvKey = keyof Schema;
type SpecValue<S> = S extends EnvVarSpec<infer T> ? T : never;
/** The variables with a default: always present once the environment has been validated. */
export type DefaultedKey = {
  [K in EnvKey]: Schema[K] extends { default: string } ? K : never;
}[EnvKey];

/** The validated environment: a variable with a default is never undefined, one without may be. */
export type ParsedEnv = { [K in DefaultedKey]: SpecValue<Schema[K]> } & {
  [K in Exclude<EnvKey, DefaultedKey>]?: SpecValue<Schema[K]>;
};
