import type { CachedIdentity } from '../../src/context/identity';

/** A cached identity for unit tests: an active staff user of an active organization, unless told otherwise. */
export function cachedIdentity({
  userId = 'user-1',
  organizationId = 'org-1',
  roles = ['staff'],
  userStatus = 'active',
  organizationStatus = 'active',
}: {
  userId?: string;
  organizationId?: string;
  roles?: string[];
  userStatus?: CachedIdentity['user']['status'];
  organizationStatus?: CachedIdentity['organization']['status'];
} = {}): CachedIdentity {
  return {
    user: {
      id: userId,
      email: 'ada@acme.test',
      firstName: 'Ada',
      lastName: 'Lovelace',
      status: userStatus,
      roles,
      emailVerifiedAt: null,
      mfaEnabled: false,
      lastLoginAt: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    },
    organization: {
      id: organizationId,
      name: 'Acme',
      subdomain: 'acme',
      status: organizationStatus,
      mfaRequired: 'off',
    },
    permissions: ['products.read'],
  };
}
