/**
 * Permissions as data: every code the API checks, and what each built-in role grants.
 * Routes declare `@Permissions(...)`; the global guard compares them with the caller's
 * effective permissions, which come from their roles at request time.
 */
export const PERMISSIONS = {
  USERS_READ: 'users.read',
  USERS_CREATE: 'users.create',
  USERS_UPDATE: 'users.update',
  USERS_DELETE: 'users.delete',
  ROLES_MANAGE: 'roles.manage',
  ORGANIZATION_UPDATE: 'organization.update',
  PRODUCTS_READ: 'products.read',
  PRODUCTS_CREATE: 'products.create',
  PRODUCTS_UPDATE: 'products.update',
  PRODUCTS_DELETE: 'products.delete',
  AUDIT_READ: 'audit.read',
} as const;

export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(PERMISSIONS);

export const BUILT_IN_ROLES = {
  admin: { description: 'Every permission in the organization', permissions: ALL_PERMISSIONS },
  staff: {
    description: 'Manages products, reads users',
    permissions: [
      PERMISSIONS.PRODUCTS_READ,
      PERMISSIONS.PRODUCTS_CREATE,
      PERMISSIONS.PRODUCTS_UPDATE,
      PERMISSIONS.PRODUCTS_DELETE,
      PERMISSIONS.USERS_READ,
    ],
  },
  client: { description: 'Reads products', permissions: [PERMISSIONS.PRODUCTS_READ] },
} as const satisfies Record<string, { description: string; permissions: readonly Permission[] }>;

export type BuiltInRoleName = keyof typeof BUILT_IN_ROLES;
export const ADMIN_ROLE: BuiltInRoleName = 'admin';

/** The platform-level role of superusers, who stand outside every tenant. */
export const SUPERUSER_ROLE = 'superuser';
