import { createHmac } from 'node:crypto';
import { sleep } from './time';

/**
 * RFC 6238 TOTP written for the tests with node:crypto alone, independent of the library the
 * API uses, so that a test's code is what an authenticator app would show.
 */

export const STEP_MS = 30_000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP: HMAC of the 8-byte big-endian counter, dynamic truncation, `digits` digits. */
export function hotp(
  key: Buffer,
  counter: number,
  digits = 6,
  algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1',
): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export const stepAt = (ms: number): number => Math.floor(ms / STEP_MS);

/** The code of a base32 secret `offset` steps from now (or from `atMs`). */
export function totp(secret: string, offset = 0, atMs = Date.now()): string {
  return hotp(base32Decode(secret), stepAt(atMs) + offset);
}

/**
 * What a test needs left of the current step before it uses the codes around it: the server
 * accepts one step either side of its own, so the previous step's code (or one two steps ahead)
 * is judged differently once the step has moved on. A test's requests take well under this.
 */
const STEP_MARGIN_MS = 3_000;

/** Waits for the next step to begin when less than the margin is left of the current one. */
export async function clearOfStepEnd(): Promise<void> {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < STEP_MARGIN_MS) await sleep(left + 50);
}
