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
    /** Two-factor authentication is on: sign-in asks for a code. */
    mfaEnabled: boolean;
    lastLoginAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
  organization: {
    id: string;
    name: string;
    subdomain: string;
    status: 'active' | 'suspended';
    /** Who must use two-factor authentication (always `off` for the platform, see SUPERUSER_MFA_REQUIRED). */
    mfaRequired: 'off' | 'admins' | 'everyone';
  };
  permissions: string[];
}
