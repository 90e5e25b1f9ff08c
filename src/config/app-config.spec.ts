import { DEFAULT_SQLITE_PATH, loadConfig } from './app-config';
import type { ParsedEnv } from './env.schema';
import { PEPPER, PRODUCTION_MAIL, SECRET } from '../../test/support/config-problems';

describe('loadConfig', () => {
  describe('defaults (the embedded development mode)', () => {
    const config = loadConfig({});

    it('uses SQLite, the in-process store and development settings', () => {
      expect(config.env).toBe('development');
      expect(config.port).toBe(3000);
      expect(config.database).toEqual({
        type: 'sqlite',
        path: DEFAULT_SQLITE_PATH,
        runMigrations: true,
      });
      expect(config.redis.connection).toBeNull();
      expect(config.embedded).toBe(true);
    });

    it('documents the issue defaults for tokens, bcrypt, body size and CORS', () => {
      expect(config.jwt.accessTtlSeconds).toBe(15 * 60);
      expect(config.jwt.refreshTtlSeconds).toBe(7 * 24 * 3600);
      expect(config.jwt.sessionMaxAgeSeconds).toBe(30 * 24 * 3600);
      expect(config.jwt.sessionIdleTimeoutSeconds).toBeNull();
      expect(config.bcryptRounds).toBe(12);
      expect(config.bodyLimitBytes).toBe(1024 * 1024);
      expect(config.corsOrigins).toEqual([]);
      expect(config.trustProxy).toBe(false);
      expect(config.logLevel).toBe('info');
    });

    it('makes test API keys under a random per-boot pepper and says so', () => {
      expect(config.apiKeys).toMatchObject({
        pepperGenerated: true,
        environment: 'test',
      });
      expect(config.apiKeys.pepper.length).toBeGreaterThanOrEqual(32);
      expect(loadConfig({}).apiKeys.pepper).not.toBe(config.apiKeys.pepper);
    });

    it('builds the general rate limits: 300 per client, 3000 per tenant, 600 per key, a minute each', () => {
      expect(config.rateLimits).toEqual({
        ip: {
          name: 'ip',
          limit: 300,
          windowSeconds: 60,
          intervalUs: 200_000,
          capacityUs: 60_000_000,
          header: '"ip";q=300;w=60',
        },
        tenant: {
          name: 'tenant',
          limit: 3000,
          windowSeconds: 60,
          intervalUs: 20_000,
          capacityUs: 60_000_000,
          header: '"tenant";q=3000;w=60',
        },
        apiKey: {
          name: 'api-key',
          limit: 600,
          windowSeconds: 60,
          intervalUs: 100_000,
          capacityUs: 60_000_000,
          header: '"api-key";q=600;w=60',
        },
      });
      const tuned = loadConfig({
        RATE_LIMIT_IP: '0',
        RATE_LIMIT_TENANT: '10',
        RATE_LIMIT_WINDOW: '10s',
        API_KEY_RATE_LIMIT: '0',
      }).rateLimits;
      expect(tuned).toMatchObject({ ip: null, apiKey: null, tenant: { intervalUs: 1_000_000 } });
    });

    it('makes a random per-boot JWT secret and says so', () => {
      expect(config.jwt.secretGenerated).toBe(true);
      expect(config.jwt.secret.length).toBeGreaterThanOrEqual(32);
      expect(loadConfig({}).jwt.secret).not.toBe(config.jwt.secret);
    });

    it('leaves no setting undefined: the schema defaults fill every one that has a default', () => {
      const undefinedPaths = (value: unknown, path: string): string[] =>
        value === undefined
          ? [path]
          : typeof value === 'object' && value !== null && !Array.isArray(value)
            ? Object.entries(value).flatMap(([key, inner]) =>
                undefinedPaths(inner, `${path}.${key}`),
              )
            : [];
      expect(undefinedPaths(config, 'config')).toEqual([]);
    });

    it('types a variable with a schema default as always present, one without as optional', () => {
      const present: ParsedEnv['PORT'] = 3000;
      // @ts-expect-error PORT has a default, so the validated environment always holds it
      const missing: ParsedEnv['PORT'] = undefined;
      const unset: ParsedEnv['DATABASE_URL'] = undefined;
      expect([present, missing, unset]).toEqual([3000, undefined, undefined]);
    });

    it('treats an empty variable as unset', () => {
      expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(3000);
    });
  });

  describe('mail and account links', () => {
    it('defaults to the file transport, localhost links and the issue lifetimes', () => {
      expect(loadConfig({}).mail).toEqual({
        smtpUrl: null,
        from: 'no-reply@localhost',
        outboxDir: './data/outbox',
        appUrl: 'http://localhost:3000',
      });
      expect(loadConfig({}).accountTokens).toEqual({
        invitationTtlSeconds: 7 * 24 * 3600,
        passwordResetTtlSeconds: 30 * 60,
      });
    });

    it('keeps a path of APP_URL and drops its trailing slash, so links never hold "//"', () => {
      expect(loadConfig({ APP_URL: 'https://example.com/app/' }).mail.appUrl).toBe(
        'https://example.com/app',
      );
      expect(loadConfig({ APP_URL: 'https://app.example.com' }).mail.appUrl).toBe(
        'https://app.example.com',
      );
    });

    it('reads SMTP_URL and a named MAIL_FROM as given', () => {
      const { mail } = loadConfig(PRODUCTION_MAIL);
      expect(mail.smtpUrl).toBe(PRODUCTION_MAIL.SMTP_URL);
      expect(mail.from).toBe(PRODUCTION_MAIL.MAIL_FROM);
    });
  });

  describe('MySQL + Redis', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'mariadb://app:pw@db:3306/app',
      DB_POOL_SIZE: '20',
      REDIS_URL: 'redis://cache:6379/2',
      JWT_SECRET: SECRET,
      API_KEY_PEPPER: PEPPER,
      JWT_ACCESS_EXPIRES_IN: '3600s',
      JWT_REFRESH_EXPIRES_IN: '30d',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      BODY_LIMIT: '512kb',
      ...PRODUCTION_MAIL,
    });

    it('makes live API keys under the given pepper', () => {
      expect(config.apiKeys).toEqual({
        pepper: PEPPER,
        pepperGenerated: false,
        environment: 'live',
      });
    });

    it('reads every value into its typed form', () => {
      expect(config.database).toEqual({
        type: 'mysql',
        url: 'mysql://app:pw@db:3306/app',
        replicaUrls: [],
        poolSize: 20,
        runMigrations: false,
      });
      expect(config.redis.connection).toEqual({ kind: 'single', url: 'redis://cache:6379/2' });
      expect(config.embedded).toBe(false);
      expect(config.jwt).toMatchObject({
        secret: SECRET,
        secretGenerated: false,
        accessTtlSeconds: 3600,
        refreshTtlSeconds: 2_592_000,
      });
      expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
      expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
      expect(config.bodyLimitBytes).toBe(512 * 1024);
    });

    it('serves no API documentation in production unless DOCS_ENABLED=true asks for it', () => {
      expect(config.docsEnabled).toBe(false);
      const production = {
        NODE_ENV: 'production',
        DATABASE_URL: 'mysql://app:pw@db:3306/app',
        REDIS_URL: 'redis://cache:6379',
        JWT_SECRET: SECRET,
        API_KEY_PEPPER: PEPPER,
        ...PRODUCTION_MAIL,
      };
      expect(loadConfig({ ...production, DOCS_ENABLED: '' }).docsEnabled).toBe(false);
      expect(loadConfig({ ...production, DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
    });

    it('serves the API documentation elsewhere unless DOCS_ENABLED=false', () => {
      expect(loadConfig({}).docsEnabled).toBe(true);
      expect(loadConfig({ NODE_ENV: 'test' }).docsEnabled).toBe(true);
      expect(loadConfig({ DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
      expect(loadConfig({ NODE_ENV: 'test', DOCS_ENABLED: '0' }).docsEnabled).toBe(false);
    });

    it('reads a hop count for TRUST_PROXY', () => {
      expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    });

    it('accepts a plain number of seconds for durations', () => {
      expect(loadConfig({ JWT_ACCESS_EXPIRES_IN: '600' }).jwt.accessTtlSeconds).toBe(600);
    });
  });
});
