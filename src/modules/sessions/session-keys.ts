/**
 * The shape of CachedIdentity, in the cache key: a deploy that adds a field reads no entry
 * cached by the previous version (those expire on their own) instead of one missing the field.
 */
const IDENTITY_SHAPE = 'v3';

/** Every key of an organization's sessions, its Redis Cluster hash tag first. */
const org = (organizationId: string) => `org:{${organizationId}}`;

/**
 * The Redis key layout of sessions (all under REDIS_KEY_PREFIX). Every key carries the hash tag
 * of its organization (PLATFORM_ID for platform sessions), so every script on a session, and
 * the one check of each authenticated request, names keys of one Redis Cluster slot.
 * docs/authentication.md documents it.
 */
export const SessionKeys = {
  session: (organizationId: string, sessionId: string) =>
    `${org(organizationId)}:auth:session:${sessionId}`,
  refresh: (organizationId: string, sessionId: string) =>
    `${org(organizationId)}:auth:refresh:${sessionId}`,
  /** Sorted set of the user's session ids scored by expiry (ms). */
  userSessions: (organizationId: string, userId: string) =>
    `${org(organizationId)}:auth:session-index:${userId}`,
  blacklist: (organizationId: string, tokenId: string) =>
    `${org(organizationId)}:auth:blacklist:${tokenId}`,
  sessionCache: (organizationId: string, userId: string) =>
    `${org(organizationId)}:session:${IDENTITY_SHAPE}:${userId}`,
  /** Bumped by every invalidation of the session cache; see identity-cache.scripts.ts. */
  identityVersion: (organizationId: string, userId: string) =>
    `${org(organizationId)}:session-version:${userId}`,
};
