/** What the session cache holds per user: everything an authenticated request needs besides the token. */
export interface CachedIdentity {
  user: {
    id: string;
    email: string;
    firstName: string;
    lastName: string;
    status: 'active' | 'disabled';
    roles: string[];
    /** Null until the user verified their address. */
    emailVerifiedAt: string | null;
    lastLoginAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
  organization: { id: string; name: string; subdomain: string; status: 'active' | 'suspended' };
  permissions: string[];
}
