import { hkdfSync, randomBytes } from 'node:crypto';
import type { RedisConnection } from '../kv/redis-connection';
import type { EnvVarSpec, TrustProxy } from './env-parsers';
import { ENV_SCHEMA, type EnvKey, type LogLevel, type ParsedEnv } from './env.schema';
import { bucketPolicy, type GeneralPolicies } from '../rate-limit/rate-policy';

export type DatabaseConfig =
  | {
      type: 'mysql';
      url: string;
      /** Read replicas of `url`; empty without DATABASE_REPLICA_URLS. */
      replicaUrls: string[];
      poolSize: number;
      runMigrations: boolean;
    }
  | { type: 'sqlite'; path: string; runMigrations: boolean };

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  /** The Prometheus listener; `enabled` false (METRICS_PORT=0): none, and nothing is measured. */
  metrics: { enabled: boolean; host: string; port: number };
  database: DatabaseConfig;
  /** Null: the in-process key-value store and job queue (embedded mode). */
  redis: { connection: RedisConnection | null; keyPrefix: string };
  jwt: {
    secret: string;
    /** True when no JWT_SECRET was given and a random one was made for this boot. */
    secretGenerated: boolean;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    /** No session outlives this, counted from login (SESSION_MAX_AGE). */
    sessionMaxAgeSeconds: number;
    /** Null: no idle timeout (SESSION_IDLE_TIMEOUT unset). */
    sessionIdleTimeoutSeconds: number | null;
    issuer: string;
    audience: string;
  };
  mfa: {
    /** Seals new TOTP secrets (AES-256-GCM). */
    encryptionKey: Buffer;
    /** Still opens secrets sealed before a rotation; null outside one. */
    previousKey: Buffer | null;
    /** Where the key came from; anything but `env` is for development only. */
    keySource: 'env' | 'jwt-secret' | 'random';
    issuer: string;
    superuserRequired: boolean;
  };
  bcryptRounds: number;
  hashConcurrency: number;
  auth: {
    refreshReuseGraceSeconds: number;
    sessionCacheTtlSeconds: number;
    /** Failures per (account, client) before that client is refused for the account. */
    loginMaxFailures: number;
    /** Failures per account, from every client, before the account is locked for everyone. */
    loginAccountMaxFailures: number;
    loginFailureWindowSeconds: number;
    ipRateLimit: number;
    ipRateWindowSeconds: number;
    /** Refresh cookie gets the Secure flag (always in production). */
    secureCookies: boolean;
  };
  corsOrigins: string[];
  trustProxy: TrustProxy;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  tenantBaseDomain: string;
  docsEnabled: boolean;
  jobs: {
    /** This process runs job workers (WORKERS=inline, or the worker process). */
    runWorkers: boolean;
    maxAttempts: number;
    backoffMs: number;
    outboxPollIntervalMs: number;
    /** BullMQ's lock on a running job, and how often stalled jobs are looked for. */
    lockDurationMs: number;
    /** BullMQ's key prefix, in braces so that every key of the queue shares one Redis Cluster slot. */
    queuePrefix: string;
  };
  /** True when SQLite and/or the in-process store are in use: one instance only. */
  embedded: boolean;
  /** SUPERUSER_EMAIL / SUPERUSER_PASSWORD: read by `npm run superuser:create` only, never defaulted. */
  superuser: { email: string | null; password: string | null };
  mail: {
    /** Null: the file transport (.eml files under outboxDir, links logged), for development. */
    smtpUrl: string | null;
    from: string;
    outboxDir: string;
    /** The frontend's base URL, without a trailing slash: links are `${appUrl}/<page>?token=...`. */
    appUrl: string;
  };
  accountTokens: { invitationTtlSeconds: number; passwordResetTtlSeconds: number };
  apiKeys: {
    pepper: string;
    /** True when no API_KEY_PEPPER was given and a random one was made for this boot. */
    pepperGenerated: boolean;
    /** The `<env>` of `sk_<env>_...`: live in production, test otherwise; keys of the other never work. */
    environment: 'live' | 'test';
  };
  /** The general rate limits (GCRA buckets), null where off. */
  rateLimits: GeneralPolicies;
  /** Password reset requests per target email (organization and address) and window. */
  passwordReset: { emailRateLimit: number; emailRateWindowSeconds: number };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export const DEFAULT_SQLITE_PATH = './data/app.sqlite';

/** Each replica costs every instance a pool of DB_POOL_SIZE connections; readiness lists them all. */
export const MAX_READ_REPLICAS = 16;

/**
 * Every variable parsed, its default standing in when unset or empty. A value that does not
 * parse is a problem and stays out, so the result is only a complete ParsedEnv once `problems`
 * is empty.
 */
function parseEnv(env: Record<string, string | undefined>, problems: string[]): Partial<ParsedEnv> {
  const parsed: Partial<Record<EnvKey, unknown>> = {};
  for (const key of Object.keys(ENV_SCHEMA) as EnvKey[]) {
    const spec: EnvVarSpec<unknown> = ENV_SCHEMA[key];
    const raw = env[key] === undefined || env[key] === '' ? spec.default : env[key];
    if (raw === undefined) continue;
    const result = spec.parse(raw);
    if (result.ok) parsed[key] = result.value;
    else problems.push(`${key} ${result.problem}`);
  }
  return parsed as Partial<ParsedEnv>;
}

/** Rules across variables; each is checked when the variables it involves parsed. */
function crossChecks(
  env: Record<string, string | undefined>,
  values: Partial<ParsedEnv>,
  problems: string[],
): void {
  if (values.NODE_ENV === 'production') {
    for (const [needed, given] of [
      ['DATABASE_URL', env.DATABASE_URL],
      ['REDIS_URL or REDIS_CLUSTER_NODES', env.REDIS_URL ?? env.REDIS_CLUSTER_NODES],
      ['JWT_SECRET', env.JWT_SECRET],
      ['API_KEY_PEPPER', env.API_KEY_PEPPER],
      ['MFA_ENCRYPTION_KEY', env.MFA_ENCRYPTION_KEY],
    ] as const) {
      if (!given) problems.push(`${needed} is required when NODE_ENV=production`);
    }
    // Production sends real mail: no .eml files with logged links, no localhost links or sender.
    for (const key of ['SMTP_URL', 'MAIL_FROM', 'APP_URL'] as const) {
      if (!env[key]) problems.push(`${key} is required when NODE_ENV=production`);
    }
    if (values.DATABASE_URL?.kind === 'sqlite') {
      problems.push('DATABASE_URL must be a mysql:// URL when NODE_ENV=production');
    }
  }
  if (values.DATABASE_REPLICA_URLS && values.DATABASE_URL?.kind !== 'mysql')
    problems.push('DATABASE_REPLICA_URLS needs a mysql:// DATABASE_URL: replicas of a primary');
  if ((values.DATABASE_REPLICA_URLS?.length ?? 0) > MAX_READ_REPLICAS)
    problems.push(`DATABASE_REPLICA_URLS lists more than ${MAX_READ_REPLICAS} replicas`);
  if (values.MFA_ENCRYPTION_KEY_PREVIOUS && !env.MFA_ENCRYPTION_KEY)
    problems.push('MFA_ENCRYPTION_KEY_PREVIOUS needs MFA_ENCRYPTION_KEY: the key it gives way to');
  const { JWT_REFRESH_EXPIRES_IN: refreshTtl, SESSION_MAX_AGE: maxAge } = values;
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES)
    problems.push('REDIS_URL and REDIS_CLUSTER_NODES exclude each other: set one');
  // The in-process queue lives in this process: nobody else could ever run its jobs.
  if (values.WORKERS === 'off' && !env.REDIS_URL && !env.REDIS_CLUSTER_NODES)
    problems.push(
      'WORKERS=off needs REDIS_URL or REDIS_CLUSTER_NODES: without one jobs run in this process only',
    );
  if (maxAge === undefined) return;
  // A refresh token promised for longer than its session could live would be a lie.
  if (refreshTtl !== undefined && maxAge < refreshTtl)
    problems.push('SESSION_MAX_AGE must be at least JWT_REFRESH_EXPIRES_IN');
  if (values.SESSION_IDLE_TIMEOUT !== undefined && values.SESSION_IDLE_TIMEOUT >= maxAge)
    problems.push('SESSION_IDLE_TIMEOUT must be shorter than SESSION_MAX_AGE');
}

/**
 * The TOTP secrets' key. Outside production it may be unset: then it is derived from JWT_SECRET,
 * so enrolments survive a restart, or, without one, random per boot (secrets sealed in an
 * earlier boot no longer open; recovery codes, being hashed, still sign in).
 */
function mfaKey(
  values: ParsedEnv,
): Pick<AppConfig['mfa'], 'encryptionKey' | 'previousKey' | 'keySource'> {
  const previousKey = values.MFA_ENCRYPTION_KEY_PREVIOUS ?? null;
  if (values.MFA_ENCRYPTION_KEY)
    return { encryptionKey: values.MFA_ENCRYPTION_KEY, previousKey, keySource: 'env' };
  if (values.JWT_SECRET)
    return {
      encryptionKey: Buffer.from(
        hkdfSync('sha256', values.JWT_SECRET, '', 'mfa-encryption-key', 32),
      ),
      previousKey,
      keySource: 'jwt-secret',
    };
  return { encryptionKey: randomBytes(32), previousKey, keySource: 'random' };
}

function redisConnection(values: ParsedEnv): RedisConnection | null {
  if (values.REDIS_URL) return { kind: 'single', url: values.REDIS_URL };
  if (values.REDIS_CLUSTER_NODES) return { kind: 'cluster', ...values.REDIS_CLUSTER_NODES };
  return null;
}

/** Validates the whole environment at once and throws one error listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const problems: string[] = [];
  const parsed = parseEnv(env, problems);
  crossChecks(env, parsed, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  const values = parsed as ParsedEnv;

  // Unset variables without a schema default: what "unset" means is documented with each one.
  const database = values.DATABASE_URL ?? { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  const runMigrations = values.DB_RUN_MIGRATIONS ?? database.kind === 'sqlite';
  const redis = redisConnection(values);

  return {
    env: values.NODE_ENV,
    host: values.HOST,
    port: values.PORT,
    metrics: {
      enabled: values.METRICS_PORT !== 0,
      host: values.METRICS_HOST,
      port: values.METRICS_PORT,
    },
    database:
      database.kind === 'mysql'
        ? {
            type: 'mysql',
            url: database.url,
            replicaUrls: values.DATABASE_REPLICA_URLS ?? [],
            poolSize: values.DB_POOL_SIZE,
            runMigrations,
          }
        : { type: 'sqlite', path: database.path, runMigrations },
    redis: { connection: redis, keyPrefix: values.REDIS_KEY_PREFIX },
    jwt: {
      secret: values.JWT_SECRET ?? randomBytes(48).toString('base64url'),
      secretGenerated: values.JWT_SECRET === undefined,
      accessTtlSeconds: values.JWT_ACCESS_EXPIRES_IN,
      refreshTtlSeconds: values.JWT_REFRESH_EXPIRES_IN,
      sessionMaxAgeSeconds: values.SESSION_MAX_AGE,
      sessionIdleTimeoutSeconds: values.SESSION_IDLE_TIMEOUT ?? null,
      issuer: values.JWT_ISSUER,
      audience: values.JWT_AUDIENCE,
    },
    mfa: {
      ...mfaKey(values),
      issuer: values.MFA_ISSUER,
      superuserRequired: values.SUPERUSER_MFA_REQUIRED,
    },
    bcryptRounds: values.BCRYPT_ROUNDS,
    hashConcurrency: values.HASH_CONCURRENCY,
    auth: {
      refreshReuseGraceSeconds: values.REFRESH_REUSE_GRACE,
      sessionCacheTtlSeconds: values.SESSION_CACHE_TTL,
      loginMaxFailures: values.LOGIN_MAX_FAILURES,
      loginAccountMaxFailures: values.LOGIN_ACCOUNT_MAX_FAILURES,
      loginFailureWindowSeconds: values.LOGIN_FAILURE_WINDOW,
      ipRateLimit: values.AUTH_IP_RATE_LIMIT,
      ipRateWindowSeconds: values.AUTH_IP_RATE_WINDOW,
      secureCookies: values.NODE_ENV === 'production',
    },
    corsOrigins: values.CORS_ORIGINS,
    trustProxy: values.TRUST_PROXY,
    logLevel: values.LOG_LEVEL,
    bodyLimitBytes: values.BODY_LIMIT,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT * 1000,
    tenantBaseDomain: values.TENANT_BASE_DOMAIN,
    // The API map helps an attacker as much as a developer: production publishes it on request only.
    docsEnabled: values.DOCS_ENABLED ?? values.NODE_ENV !== 'production',
    jobs: {
      runWorkers: values.WORKERS === 'inline',
      maxAttempts: values.JOB_MAX_ATTEMPTS,
      backoffMs: values.JOB_BACKOFF,
      outboxPollIntervalMs: values.OUTBOX_POLL_INTERVAL,
      lockDurationMs: values.JOB_LOCK_DURATION,
      queuePrefix: `{${values.REDIS_KEY_PREFIX}jobs}`,
    },
    embedded: database.kind === 'sqlite' || redis === null,
    superuser: {
      email: values.SUPERUSER_EMAIL ?? null,
      password: values.SUPERUSER_PASSWORD ?? null,
    },
    mail: {
      smtpUrl: values.SMTP_URL ?? null,
      from: values.MAIL_FROM,
      outboxDir: values.MAIL_OUTBOX_DIR,
      appUrl: values.APP_URL,
    },
    accountTokens: {
      invitationTtlSeconds: values.INVITATION_TTL,
      passwordResetTtlSeconds: values.PASSWORD_RESET_TTL,
    },
    apiKeys: {
      pepper: values.API_KEY_PEPPER ?? randomBytes(48).toString('base64url'),
      pepperGenerated: values.API_KEY_PEPPER === undefined,
      environment: values.NODE_ENV === 'production' ? 'live' : 'test',
    },
    rateLimits: {
      ip: bucketPolicy('ip', values.RATE_LIMIT_IP, values.RATE_LIMIT_WINDOW),
      tenant: bucketPolicy('tenant', values.RATE_LIMIT_TENANT, values.RATE_LIMIT_WINDOW),
      apiKey: bucketPolicy('api-key', values.API_KEY_RATE_LIMIT, values.RATE_LIMIT_WINDOW),
    },
    passwordReset: {
      emailRateLimit: values.PASSWORD_RESET_RATE_LIMIT,
      emailRateWindowSeconds: values.PASSWORD_RESET_RATE_WINDOW,
    },
  };
}
