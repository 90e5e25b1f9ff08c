import { randomBytes } from 'node:crypto';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { verifySync } from '@otplib/totp';
import { generateTOTP } from '@otplib/uri';

/** RFC 6238 as authenticator apps use it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
/** 160 bits, the HMAC-SHA1 block the RFC recommends. */
export const TOTP_SECRET_BYTES = 20;
/** One step either way: a phone clock a little off, or a code typed as it changed. */
const DRIFT_STEPS = 1;

const crypto = new NodeCryptoPlugin();
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function newTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

/** RFC 4648 base32 without padding, the form authenticator apps take a secret in. */
export function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The otpauth:// URL an authenticator app scans: issuer = product, label = organization and email. */
export function otpauthUrl(issuer: string, label: string, secret: Buffer): string {
  return generateTOTP({ issuer, label, secret: base32(secret), period: TOTP_PERIOD_SECONDS });
}

/**
 * The time step a 6-digit code belongs to, within one step of `now`, or null when it matches
 * none. The caller refuses a step at or before the last one used, so a code works once.
 */
export function matchTotp(secret: Buffer, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    crypto,
    period: TOTP_PERIOD_SECONDS,
    epoch: Math.floor(now / 1000),
    epochTolerance: DRIFT_STEPS * TOTP_PERIOD_SECONDS,
  });
  return result.valid ? result.timeStep : null;
}
