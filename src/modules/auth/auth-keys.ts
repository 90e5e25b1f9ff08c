import { createHash } from 'node:crypto';

/** The Redis keys of login throttling (all under REDIS_KEY_PREFIX). The README documents them. */
export const AuthKeys = {
  /** The email is hashed so that keys carry no personal data. */
  failedLogins: (organizationId: string, email: string) =>
    `system:auth:failed:${organizationId}:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`,
  /** Wrong current passwords on change-password, so a stolen access token cannot guess the password. */
  failedPasswordChecks: (userId: string) => `system:auth:failed-password:${userId}`,
  ipRate: (action: string, ip: string) => `system:auth:ratelimit:${action}:${ip}`,
};
