import { randomBytes } from 'node:crypto';
import { keyIdOf, SealedSecretError, SecretBox } from './secret-box';

const OLD = randomBytes(32);
const NEW = randomBytes(32);
const SECRET = randomBytes(20);
const OWNER = 'org-1:user-1';

describe('SecretBox', () => {
  it('seals with a random IV and opens what it sealed', () => {
    const box = new SecretBox(NEW);
    const first = box.seal(SECRET, OWNER);
    const second = box.seal(SECRET, OWNER);
    expect(first).not.toBe(second);
    expect(first.split('.')).toHaveLength(5);
    expect(first.startsWith(`v1.${keyIdOf(NEW)}.`)).toBe(true);
    expect(box.open(first, OWNER)).toEqual(SECRET);
    expect(box.open(second, OWNER)).toEqual(SECRET);
  });

  it('refuses a secret moved to another owner, or altered', () => {
    const box = new SecretBox(NEW);
    const sealed = box.seal(SECRET, OWNER);
    expect(() => box.open(sealed, 'org-1:user-2')).toThrow(SealedSecretError);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4], 'base64url');
    flipped[0] ^= 1;
    parts[4] = flipped.toString('base64url');
    expect(() => box.open(parts.join('.'), OWNER)).toThrow(SealedSecretError);
    expect(() => box.open('not sealed', OWNER)).toThrow(SealedSecretError);
  });

  it('opens a secret of the previous key during a rotation, and says it is not current', () => {
    const sealedBefore = new SecretBox(OLD).seal(SECRET, OWNER);
    const rotating = new SecretBox(NEW, OLD);
    expect(rotating.open(sealedBefore, OWNER)).toEqual(SECRET);
    expect(rotating.isCurrent(sealedBefore)).toBe(false);
    expect(rotating.isCurrent(rotating.seal(SECRET, OWNER))).toBe(true);
    // Once the previous key is gone, the old secret names a key nobody has.
    expect(() => new SecretBox(NEW).open(sealedBefore, OWNER)).toThrow(
      /MFA_ENCRYPTION_KEY_PREVIOUS/,
    );
  });

  it('takes 32-byte keys only', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow();
    expect(() => new SecretBox(NEW, randomBytes(31))).toThrow();
  });
});
