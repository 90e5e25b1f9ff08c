import { BUILT_IN_ROLES } from '../../security/permissions';

/**
 * Names no custom role may take: the platform's own words, so that no tenant role can ever
 * read as platform access, and the built-in roles' names.
 */
export const RESERVED_ROLE_NAMES: readonly string[] = [
  'superuser',
  'platform',
  'system',
  'root',
  ...Object.keys(BUILT_IN_ROLES),
];

/** Invisible format characters (zero-width spaces and joiners, soft hyphens, bidi controls). */
const INVISIBLE = /\p{Cf}/gu;

/**
 * The one comparison key of a role name: NFKC, lower-cased, invisible characters removed,
 * trimmed. `ＳＵＰＥＲＵＳＥＲ`, `SuperUser`, `ſuperuser` (long s), `superuser ` and
 * `super\u200Buser` all have the key `superuser`. Stored in `roles.name_key` (compared byte
 * for byte on every backend) under a unique index per organization.
 */
export function roleNameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC').replace(INVISIBLE, '').trim();
}

export function isReservedRoleName(name: string): boolean {
  return RESERVED_ROLE_NAMES.includes(roleNameKey(name));
}
