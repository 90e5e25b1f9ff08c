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
  API_KEYS_MANAGE: 'api_keys.manage',
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

/**
 * What an API key can never hold, whoever creates it: managing keys (a key minting keys would
 * outlive its own revocation) and roles (a key would grant people what it holds).
 */
export const API_KEY_FORBIDDEN_PERMISSIONS: readonly Permission[] = [
  PERMISSIONS.API_KEYS_MANAGE,
  PERMISSIONS.ROLES_MANAGE,
];

/** The permissions an API key may be given (still only those its creator holds). */
export const API_KEY_PERMISSIONS: readonly Permission[] = ALL_PERMISSIONS.filter(
  (permission) => !API_KEY_FORBIDDEN_PERMISSIONS.includes(permission),
);

export type BuiltInRoleName = keyof typeof BUILT_IN_ROLES;
export const ADMIN_ROLE: BuiltInRoleName = 'admin';

/** The platform-level role of superusers, who stand outside every tenant. */
export const SUPERUSER_ROLE = 'superuser';
