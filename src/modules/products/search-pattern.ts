/**
 * The escape character of every LIKE this module writes. Not the backslash: MySQL treats
 * backslashes in string literals specially (unless NO_BACKSLASH_ESCAPES) and SQLite has no
 * default escape at all, so `LIKE ... ESCAPE '!'` means the same on both.
 */
export const LIKE_ESCAPE = '!';

/** `term` with LIKE's wildcards (% and _) and the escape character itself taken literally. */
export function escapeLike(term: string, escape: string = LIKE_ESCAPE): string {
  if (escape.length !== 1 || escape === '%' || escape === '_') throw new Error(`Unusable LIKE escape character: ${escape}`);
  let escaped = '';
  for (const character of term) {
    escaped += character === '%' || character === '_' || character === escape ? escape + character : character;
  }
  return escaped;
}

/** A LIKE pattern matching values that contain `term` literally; use it with `ESCAPE '${LIKE_ESCAPE}'`. */
export function containsPattern(term: string): string {
  return `%${escapeLike(term)}%`;
}
