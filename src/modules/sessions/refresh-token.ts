import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { PLATFORM_ID } from '../../context/platform';

/** What a refresh token names: the session, and its organization, whose hash tag its keys carry. */
export interface RefreshTokenSubject {
  organizationId: string;
  sessionId: string;
}

/**
 * Refresh tokens are opaque: `<organizationId>.<sessionId>.<256 random bits>`. Redis keeps only
 * their SHA-256. The two ids let a token find its session's keys without any other index.
 */
export function newRefreshToken(
  organizationId: string,
  sessionId: string = randomUUID(),
): { token: string; sessionId: string } {
  return {
    token: `${organizationId}.${sessionId}.${randomBytes(32).toString('base64url')}`,
    sessionId,
  };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const REFRESH_TOKEN = new RegExp(`^(${UUID}|${PLATFORM_ID})\\.(${UUID})\\.[A-Za-z0-9_-]{43}$`);

/** The ids a well-formed refresh token names; null for anything else. */
export function subjectOf(token: string): RefreshTokenSubject | null {
  const match = REFRESH_TOKEN.exec(token);
  return match ? { organizationId: match[1], sessionId: match[2] } : null;
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
