import { createHash } from 'node:crypto';
import type { CanonicalEmail } from '../../security/email';

/** Emails are hashed so that keys carry no personal data. */
const digest = (email: CanonicalEmail) =>
  createHash('sha256').update(email).digest('hex').slice(0, 32);

/**
 * The Redis keys of login throttling (all under REDIS_KEY_PREFIX). docs/authentication.md documents them.
 * `client` is a rate-limit client (security/client-address.ts): an IPv4 address or an IPv6 /64.
 * The two counters of one account go to one script, so they share a Redis Cluster hash tag:
 * the account. The single-key counters need none.
 */
export const AuthKeys = {
  /** Failed logins of one account (an email within an organization, or within the platform). */
  accountFailures: (scope: string, email: CanonicalEmail) =>
    `system:auth:failed:{${scope}:${digest(email)}}`,
  /** The same, from one client only. */
  clientFailures: (scope: string, email: CanonicalEmail, client: string) =>
    `system:auth:failed:{${scope}:${digest(email)}}:client:${client}`,
  /** Wrong current passwords on change-password, so a stolen access token cannot guess the password. */
  passwordCheckFailures: (userId: string) => `system:auth:failed-password:{${userId}}`,
  clientPasswordCheckFailures: (userId: string, client: string) =>
    `system:auth:failed-password:{${userId}}:client:${client}`,
  ipRate: (action: string, client: string) => `system:auth:ratelimit:${action}:${client}`,
  /** Requests naming one email address within an organization (password reset), from anyone. */
  emailRate: (action: string, scope: string, email: CanonicalEmail) =>
    `system:auth:ratelimit:${action}:${scope}:email:${digest(email)}`,
};
