import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PASSWORD_MIN_CHARS = 8;
/** bcrypt reads at most 72 bytes and silently ignores the rest, so longer is refused, never truncated. */
export const PASSWORD_MAX_BYTES = 72;

let commonPasswords: Set<string> | undefined;

function loadCommonPasswords(): Set<string> {
  commonPasswords ??= new Set(
    readFileSync(join(__dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#')),
  );
  return commonPasswords;
}

/** Returns why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < PASSWORD_MIN_CHARS)
    return `must be at least ${PASSWORD_MIN_CHARS} characters`;
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    return `must be at most ${PASSWORD_MAX_BYTES} bytes of UTF-8 (bcrypt ignores anything longer)`;
  }
  if (loadCommonPasswords().has(password.toLowerCase()))
    return 'is too common; choose a less guessable password';
  return null;
}
