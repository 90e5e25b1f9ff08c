/** LIKE pattern that matches `text` literally anywhere: %, _ and the escape character lose their meaning. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}

/** The ESCAPE clause to pair with containsPattern; '!' works the same on MySQL and SQLite. */
export const LIKE_ESCAPE = "ESCAPE '!'";
