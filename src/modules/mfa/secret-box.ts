import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

/** Which key sealed a secret: the first 8 hex digits of its SHA-256 (it reveals nothing of the key). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A sealed secret that no configured key opens, or that was altered. */
export class SealedSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedSecretError';
  }
}

/**
 * AES-256-GCM for secrets at rest, a random 96-bit IV per secret. A sealed value reads
 * `v1.<key id>.<iv>.<auth tag>.<ciphertext>` (base64url), so that during a key rotation each
 * value names the key that opens it. `context` (the owner) is authenticated too: a sealed
 * secret copied onto another account does not open there.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(current: Buffer, previous: Buffer | null = null) {
    if (current.length !== 32 || (previous && previous.length !== 32))
      throw new Error('SecretBox keys are 32 bytes');
    this.currentKeyId = keyIdOf(current);
    this.keys.set(this.currentKeyId, current);
    if (previous) this.keys.set(keyIdOf(previous), previous);
  }

  seal(plain: Buffer, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(this.currentKeyId), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [VERSION, this.currentKeyId, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, context: string): Buffer {
    const [version, keyId, iv, tag, ciphertext, ...rest] = sealed.split('.');
    if (version !== VERSION || !ciphertext || rest.length > 0)
      throw new SealedSecretError('Not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key(keyId), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]);
    } catch {
      throw new SealedSecretError('The sealed secret was altered or belongs to another account');
    }
  }

  /** True when the value is sealed under the current key (nothing to re-encrypt). */
  isCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.currentKeyId;
  }

  private key(keyId: string | undefined): Buffer {
    const key = keyId ? this.keys.get(keyId) : undefined;
    if (!key)
      throw new SealedSecretError(
        `No configured key opens this secret (key id ${keyId ?? 'missing'}): set MFA_ENCRYPTION_KEY_PREVIOUS`,
      );
    return key;
  }
}
