import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Refresh tokens are opaque: `<sessionId>.<256 random bits>`. Redis keeps only their SHA-256.
 * The session id prefix lets a token find its session without any other index.
 */
export function newRefreshToken(sessionId: string = randomUUID()): {
  token: string;
  sessionId: string;
} {
  return { token: `${sessionId}.${randomBytes(32).toString('base64url')}`, sessionId };
}

export function sessionIdOf(token: string): string | null {
  const match = /^([0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/.exec(token);
  return match ? match[1] : null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The successor handed out on rotation, sealed with a key only the presenter of the previous
 * token can derive. Within the grace window that presenter gets the same successor back,
 * while Redis never holds a usable refresh token in clear.
 */
function sealingKey(previousToken: string): Buffer {
  return createHash('sha256').update(`refresh-successor:${previousToken}`).digest();
}

export function sealSuccessor(previousToken: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(previousToken), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

export function unsealSuccessor(previousToken: string, sealed: string): string | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      sealingKey(previousToken),
      raw.subarray(0, 12),
    );
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
