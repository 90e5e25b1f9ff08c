/**
 * Thrown when a repository is handed no value (undefined, null, an empty id) for a key that
 * picks rows: an id, an email, a subdomain. TypeORM drops undefined from a `where`, so
 * `findById(undefined)` would otherwise match an arbitrary row.
 */
export class MissingKeyError extends Error {
  constructor(operation: string, key: string) {
    super(`Repository operation "${operation}" was called without a value for "${key}"`);
    this.name = 'MissingKeyError';
  }
}

/** The id itself, or MissingKeyError when it is not a non-empty string. */
export function requireId(operation: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new MissingKeyError(operation, 'id');
  return id;
}

/** Throws MissingKeyError when any top-level condition of `where` is undefined or null. */
export function requireKeys(operation: string, where: object): void {
  for (const [key, value] of Object.entries(where))
    if (value === undefined || value === null) throw new MissingKeyError(operation, key);
}
