import { createHmac } from 'node:crypto';

/** The claims our access tokens carry (src/modules/auth/token.service.ts). */
export interface AccessClaims {
  sub: string;
  email: string;
  organizationId: string;
  roles: string[];
  sid: string;
  typ: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  [claim: string]: unknown;
}

export function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** The payload of a JWT, without checking anything. */
export function decodeClaims(token: string): AccessClaims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as AccessClaims;
}

/** The session id (sid claim) of an access token. */
export function sessionIdOfAccessToken(token: string): string {
  return decodeClaims(token).sid;
}

/** A JWT assembled by hand: any header, any payload, HMAC-SHA-256/512 or no signature. */
export function handcraftedJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signing: { hmac: 'sha256' | 'sha512'; secret: string } | 'unsigned',
): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  if (signing === 'unsigned') return `${input}.`;
  return `${input}.${createHmac(signing.hmac, signing.secret).update(input).digest('base64url')}`;
}
