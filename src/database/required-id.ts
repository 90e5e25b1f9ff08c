/**
 * Thrown when a repository is handed no id (undefined, null, empty) where one belongs. TypeORM
 * drops undefined from a `where`, so `findById(undefined)` would otherwise match an arbitrary row.
 */
export class MissingIdError extends Error {
  constructor(operation: string) {
    super(`Repository operation "${operation}" was called without an id`);
    this.name = 'MissingIdError';
  }
}

/** The id itself, or MissingIdError when it is not a non-empty string. */
export function requireId(operation: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new MissingIdError(operation);
  return id;
}
