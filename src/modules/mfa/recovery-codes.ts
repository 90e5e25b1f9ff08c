import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32 } from './totp';

export const RECOVERY_CODE_COUNT = 10;
/** 10 bytes: 80 random bits per code, shown as 16 base32 characters in groups of four. */
const RECOVERY_CODE_BYTES = 10;
/** What a user may type: the groups with or without dashes and spaces, in any case. */
export const RECOVERY_CODE_PATTERN = /^[A-Za-z2-7]{4}([- ]?[A-Za-z2-7]{4}){3}$/;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    base32(randomBytes(RECOVERY_CODE_BYTES)).match(/.{4}/g)!.join('-'),
  );
}

/**
 * SHA-256 rather than bcrypt: bcrypt's cost protects guessable passwords, but a recovery code
 * holds 80 random bits, so no offline search of a stolen hash can find it; and the cost would
 * be paid ten times on every regeneration and on every login that tries one. The owner is
 * part of the input, so equal hashes never link two accounts.
 */
export function hashRecoveryCode(ownerId: string, code: string): string {
  const normalized = code.replace(/[- ]/g, '').toUpperCase();
  return createHash('sha256').update(`mfa-recovery:${ownerId}:${normalized}`).digest('hex');
}

/** The index of the hash among the unused ones, compared in constant time; -1 if absent. */
export function findRecoveryCode(hashes: string[], hash: string): number {
  const wanted = Buffer.from(hash, 'hex');
  let found = -1;
  hashes.forEach((candidate, index) => {
    const bytes = Buffer.from(candidate, 'hex');
    if (bytes.length === wanted.length && timingSafeEqual(bytes, wanted) && found < 0)
      found = index;
  });
  return found;
}
