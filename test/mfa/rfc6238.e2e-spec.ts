import { matchTotp } from '../../src/modules/mfa/totp';
import { base32Decode, hotp, STEP_MS, stepAt, totp } from '../support/totp';

/**
 * The tests' own TOTP (test/support/totp.ts) against the RFC 6238 appendix B vectors, so the
 * codes the MFA specs send are what any authenticator computes; then the API's implementation
 * against the same codes, including its drift window.
 */
const SHA1_SEED = Buffer.from('12345678901234567890');
const SHA256_SEED = Buffer.from('12345678901234567890123456789012');
const SHA512_SEED = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('the tests’ TOTP: RFC 6238 test vectors', () => {
  it.each(VECTORS)('T = %i s', (seconds, sha1, sha256, sha512) => {
    const step = stepAt(seconds * 1000);
    expect(hotp(SHA1_SEED, step, 8, 'sha1')).toBe(sha1);
    expect(hotp(SHA256_SEED, step, 8, 'sha256')).toBe(sha256);
    expect(hotp(SHA512_SEED, step, 8, 'sha512')).toBe(sha512);
  });

  it('decodes base32 as RFC 4648 does', () => {
    expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')).toEqual(SHA1_SEED);
  });
});

describe('the API’s TOTP against the same codes', () => {
  it.each(VECTORS)('T = %i s: the 6-digit code matches its own step', (seconds, sha1) => {
    expect(matchTotp(SHA1_SEED, sha1.slice(2), seconds * 1000)).toBe(stepAt(seconds * 1000));
  });

  it('accepts one step of drift either way and refuses two', () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const now = 1_700_000_000_000;
    for (const offset of [-1, 0, 1])
      expect(matchTotp(SHA1_SEED, totp(secret, offset, now), now)).toBe(stepAt(now) + offset);
    for (const offset of [-2, 2])
      expect(matchTotp(SHA1_SEED, totp(secret, offset, now), now)).toBeNull();
    expect(matchTotp(SHA1_SEED, totp(secret, 0, now), now + 2 * STEP_MS)).toBeNull();
  });

  it('refuses what is not six digits', () => {
    expect(matchTotp(SHA1_SEED, '28708', 59_000)).toBeNull();
    expect(matchTotp(SHA1_SEED, '2870820', 59_000)).toBeNull();
    expect(matchTotp(SHA1_SEED, 'abcdef', 59_000)).toBeNull();
  });
});
