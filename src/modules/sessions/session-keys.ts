const SESSION_PREFIX = 'system:auth:session:';
const REFRESH_PREFIX = 'system:auth:refresh:';
/**
 * The shape of CachedIdentity, in the cache key: a deploy that adds a field reads no entry
 * cached by the previous version (those expire on their own) instead of one missing the field.
 */
const IDENTITY_SHAPE = 'v3';

/** The Redis key layout of sessions (all under REDIS_KEY_PREFIX). docs/authentication.md documents it. */
export const SessionKeys = {
  sessionPrefix: SESSION_PREFIX,
  refreshPrefix: REFRESH_PREFIX,
  session: (sessionId: string) => `${SESSION_PREFIX}${sessionId}`,
  refresh: (sessionId: string) => `${REFRESH_PREFIX}${sessionId}`,
  /** Sorted set of the user's session ids scored by expiry (ms). */
  userSessions: (userId: string) => `system:auth:session-index:${userId}`,
  blacklist: (tokenId: string) => `system:auth:blacklist:${tokenId}`,
  sessionCache: (organizationId: string, userId: string) =>
    `org:${organizationId}:session:${IDENTITY_SHAPE}:${userId}`,
  /** Bumped by every invalidation of the session cache; see identity-cache.scripts.ts. */
  identityVersion: (organizationId: string, userId: string) =>
    `org:${organizationId}:session-version:${userId}`,
};
