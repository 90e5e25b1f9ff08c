import { ConfigValidationError, loadConfig } from './app-config';
import {
  MFA_KEY,
  PEPPER,
  PRODUCTION_MAIL,
  problemsOf,
  SECRET,
} from '../../test/support/config-problems';

describe('loadConfig', () => {
  describe('validation', () => {
    it('lists every problem in one error instead of stopping at the first', () => {
      const env = {
        PORT: 'eighty',
        DATABASE_URL: 'postgres://db/app',
        REDIS_URL: 'http://cache',
        JWT_SECRET: 'short',
        JWT_ACCESS_EXPIRES_IN: '15 minutes',
        BCRYPT_ROUNDS: '3',
        CORS_ORIGINS: '*',
        LOG_LEVEL: 'verbose',
        BODY_LIMIT: '1gb',
      };
      let error: unknown;
      try {
        loadConfig(env);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigValidationError);
      const { problems, message } = error as ConfigValidationError;
      expect(problems).toHaveLength(Object.keys(env).length);
      for (const key of Object.keys(env)) {
        expect(problems.filter((problem) => problem.startsWith(`${key} `))).toHaveLength(1);
        expect(message).toContain(`  - ${key} `);
      }
      expect(message.split('\n')[0]).toBe('Invalid configuration:');
    });

    it.each([
      ['NODE_ENV', 'staging', /one of development, test, production/],
      ['PORT', '70000', /between 0 and 65535/],
      ['PORT', '3000.5', /integer/],
      ['DATABASE_URL', 'mysql://db:3306', /name a database/],
      ['DATABASE_URL', 'sqlite:', /file path/],
      ['DATABASE_URL', 'not a url', /not a valid URL/],
      ['REDIS_URL', 'cache:6379', /redis:\/\//],
      ['REDIS_CLUSTER_NODES', ' , ', /at least one host:port/],
      ['REDIS_CLUSTER_NODES', 'cache-1', /must be host:port/],
      ['REDIS_CLUSTER_NODES', 'cache-1:7000/2', /must be host:port, with nothing else/],
      ['REDIS_CLUSTER_NODES', 'rediss://cache-1:7000', /must be host:port or redis:\/\//],
      [
        'REDIS_CLUSTER_NODES',
        'redis://:one@cache-1:7000,redis://:two@cache-2:7000',
        /different credentials/,
      ],
      ['REDIS_KEY_PREFIX', 'app{1}:', /must not contain \{ or \}/],
      ['JWT_SECRET', 'x'.repeat(31), /at least 32 characters/],
      ['API_KEY_PEPPER', 'x'.repeat(31), /at least 32 characters/],
      ['API_KEY_RATE_LIMIT', '-1', /between 0 and/],
      ['RATE_LIMIT_TENANT', '1.5', /must be an integer/],
      ['RATE_LIMIT_WINDOW', '0', /duration/],
      ['JWT_REFRESH_EXPIRES_IN', '1w', /duration/],
      ['BCRYPT_ROUNDS', '16', /between 4 and 15/],
      ['CORS_ORIGINS', 'https://app.example.com/path', /not an origin/],
      ['CORS_ORIGINS', 'app.example.com', /not a valid origin|not an origin/],
      ['TRUST_PROXY', 'true', /X-Forwarded-For/],
      ['TRUST_PROXY', '10.0.0.0/33', /not an IP address or CIDR/],
      ['DB_RUN_MIGRATIONS', 'maybe', /true or false/],
      ['BODY_LIMIT', 'big', /size/],
      ['APP_URL', 'app.example.com', /absolute http\(s\) URL/],
      ['APP_URL', 'ftp://app.example.com', /http:\/\/ or https:\/\//],
      ['APP_URL', 'https://app.example.com/?ref=mail', /query or fragment/],
      ['APP_URL', 'https://app.example.com/#/', /query or fragment/],
      ['APP_URL', 'https://user:pw@app.example.com', /credentials/],
      ['SMTP_URL', 'mail.example.com:587', /not a valid URL|smtp:\/\//],
      ['SMTP_URL', 'http://mail.example.com', /smtp:\/\/ or smtps:\/\//],
      ['SMTP_URL', 'smtp://mail.example.com?debug=true&logger=true', /must not set logger, debug/],
      ['MAIL_FROM', 'no-reply', /not an address/],
      ['MAIL_FROM', 'Acme <no-reply>', /not an address/],
      ['INVITATION_TTL', 'a week', /duration/],
      ['MFA_ENCRYPTION_KEY', Buffer.alloc(16).toString('base64'), /32 random bytes in base64/],
      ['MFA_ENCRYPTION_KEY', `${MFA_KEY.slice(0, -2)}!=`, /32 random bytes in base64/],
      ['MFA_ENCRYPTION_KEY', 'a-passphrase-rather-than-a-key-of-32-bytes', /32 random bytes/],
      ['SUPERUSER_MFA_REQUIRED', 'always', /true or false/],
    ])('refuses %s=%p', (key, value, expected) => {
      const problems = problemsOf({ [key]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${key} `));
      expect(problems[0]).toMatch(expected);
    });

    it('requires MySQL, Redis, a JWT secret, the MFA key and real mail settings in production, all reported together', () => {
      const problems = problemsOf({ NODE_ENV: 'production' });
      expect(problems).toEqual([
        'DATABASE_URL is required when NODE_ENV=production',
        'REDIS_URL or REDIS_CLUSTER_NODES is required when NODE_ENV=production',
        'JWT_SECRET is required when NODE_ENV=production',
        'API_KEY_PEPPER is required when NODE_ENV=production',
        'MFA_ENCRYPTION_KEY is required when NODE_ENV=production',
        'SMTP_URL is required when NODE_ENV=production',
        'MAIL_FROM is required when NODE_ENV=production',
        'APP_URL is required when NODE_ENV=production',
      ]);
    });

    it('refuses SQLite in production', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'sqlite:./data/prod.sqlite',
        REDIS_URL: 'redis://cache:6379',
        JWT_SECRET: SECRET,
        API_KEY_PEPPER: PEPPER,
        ...PRODUCTION_MAIL,
      });
      expect(problems).toEqual(['DATABASE_URL must be a mysql:// URL when NODE_ENV=production']);
    });

    it('refuses a session lifetime shorter than the refresh lifetime, and an idle timeout not below it', () => {
      expect(problemsOf({ JWT_REFRESH_EXPIRES_IN: '7d', SESSION_MAX_AGE: '6d' })).toEqual([
        'SESSION_MAX_AGE must be at least JWT_REFRESH_EXPIRES_IN',
      ]);
      expect(
        problemsOf({
          SESSION_MAX_AGE: '1h',
          SESSION_IDLE_TIMEOUT: '1h',
          JWT_REFRESH_EXPIRES_IN: '1h',
        }),
      ).toEqual(['SESSION_IDLE_TIMEOUT must be shorter than SESSION_MAX_AGE']);
      const config = loadConfig({
        SESSION_MAX_AGE: '8h',
        SESSION_IDLE_TIMEOUT: '30m',
        JWT_REFRESH_EXPIRES_IN: '8h',
      });
      expect(config.jwt.sessionMaxAgeSeconds).toBe(8 * 3600);
      expect(config.jwt.sessionIdleTimeoutSeconds).toBe(1800);
    });

    it('skips a rule across variables when one of them did not parse', () => {
      expect(problemsOf({ JWT_REFRESH_EXPIRES_IN: 'forever', SESSION_MAX_AGE: '1h' })).toEqual([
        'JWT_REFRESH_EXPIRES_IN must be a duration such as 15m, 3600s, 7d or a number of seconds, got "forever"',
      ]);
    });

    it('reports a bad value and a production requirement in the same message', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        PORT: '-1',
        DATABASE_URL: 'mysql://db/app',
        REDIS_URL: 'redis://r',
        ...PRODUCTION_MAIL,
      });
      expect(problems).toEqual([
        'PORT must be between 0 and 65535',
        'JWT_SECRET is required when NODE_ENV=production',
        'API_KEY_PEPPER is required when NODE_ENV=production',
      ]);
    });
  });

  describe('two-factor authentication', () => {
    it('reads the key, the previous one during a rotation, the issuer and the superuser rule', () => {
      const previous = Buffer.alloc(32, 9).toString('base64');
      const { mfa } = loadConfig({
        MFA_ENCRYPTION_KEY: MFA_KEY,
        MFA_ENCRYPTION_KEY_PREVIOUS: previous,
        MFA_ISSUER: 'Acme Cloud',
        SUPERUSER_MFA_REQUIRED: 'true',
      });
      expect(mfa).toEqual({
        encryptionKey: Buffer.from(MFA_KEY, 'base64'),
        previousKey: Buffer.from(previous, 'base64'),
        keySource: 'env',
        issuer: 'Acme Cloud',
        superuserRequired: true,
      });
    });

    it('defaults the issuer and leaves superusers free to choose', () => {
      const { mfa } = loadConfig({});
      expect(mfa.issuer).toBe('Tenancy API');
      expect(mfa.superuserRequired).toBe(false);
      expect(mfa.previousKey).toBeNull();
    });

    it('derives a development key from JWT_SECRET, so enrolments survive a restart', () => {
      const first = loadConfig({ JWT_SECRET: SECRET }).mfa;
      expect(first.keySource).toBe('jwt-secret');
      expect(first.encryptionKey).toHaveLength(32);
      expect(loadConfig({ JWT_SECRET: SECRET }).mfa.encryptionKey).toEqual(first.encryptionKey);
      expect(first.encryptionKey.toString('utf8')).not.toContain(SECRET.slice(0, 8));
    });

    it('makes a random key per boot without JWT_SECRET either', () => {
      const { mfa } = loadConfig({});
      expect(mfa.keySource).toBe('random');
      expect(loadConfig({}).mfa.encryptionKey).not.toEqual(mfa.encryptionKey);
    });

    it('refuses a previous key without the key it gives way to', () => {
      expect(problemsOf({ MFA_ENCRYPTION_KEY_PREVIOUS: MFA_KEY })).toEqual([
        'MFA_ENCRYPTION_KEY_PREVIOUS needs MFA_ENCRYPTION_KEY: the key it gives way to',
      ]);
    });
  });
});
