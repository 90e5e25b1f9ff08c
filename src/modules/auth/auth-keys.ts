import { createHash } from 'node:crypto';

/** The Redis key layout of authentication (all under REDIS_KEY_PREFIX). The README documents it. */
export const AuthKeys = {
  session: (sessionId: string) => `system:auth:session:${sessionId}`,
  refresh: (sessionId: string) => `system:auth:refresh:${sessionId}`,
  userSessions: (userId: string) => `system:auth:user-sessions:${userId}`,
  blacklist: (tokenId: string) => `system:auth:blacklist:${tokenId}`,
  sessionCache: (organizationId: string, userId: string) =>
    `org:${organizationId}:session:${userId}`,
  /** The email is hashed so that keys carry no personal data. */
  failedLogins: (organizationId: string, email: string) =>
    `system:auth:failed:${organizationId}:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`,
  /** Wrong current passwords on change-password, so a stolen access token cannot guess the password. */
  failedPasswordChecks: (userId: string) => `system:auth:failed-password:${userId}`,
  ipRate: (action: string, ip: string) => `system:auth:ratelimit:${action}:${ip}`,
};
