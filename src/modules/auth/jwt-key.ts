import { createSecretKey, type KeyObject } from 'node:crypto';

export const JWT_KEY = Symbol('JWT_KEY');

/** Built once per process: jsonwebtoken re-imports a string secret on every sign and verify. */
export function buildJwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
