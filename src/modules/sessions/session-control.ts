/**
 * The narrow port users, roles and organizations use when an administrative change must reach
 * live sessions: end a user's sessions, or drop the cached identity so the next request rebuilds
 * it. They depend on this, not on the session store or on auth.
 */
export abstract class SessionControl {
  /** Ends every session of a user, or every one but `keep`. Returns how many ended. */
  abstract endAll(organizationId: string, userId: string, keep?: string): Promise<number>;
  /** Drops the cached identity so the next request of the user rebuilds it from the database. */
  abstract invalidateIdentity(organizationId: string, userId: string): Promise<void>;
}
