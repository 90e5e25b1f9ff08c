/** The Redis key layout of sessions (all under REDIS_KEY_PREFIX). The README documents it. */
export const SessionKeys = {
  session: (sessionId: string) => `system:auth:session:${sessionId}`,
  refresh: (sessionId: string) => `system:auth:refresh:${sessionId}`,
  userSessions: (userId: string) => `system:auth:user-sessions:${userId}`,
  blacklist: (tokenId: string) => `system:auth:blacklist:${tokenId}`,
  sessionCache: (organizationId: string, userId: string) =>
    `org:${organizationId}:session:${userId}`,
};
