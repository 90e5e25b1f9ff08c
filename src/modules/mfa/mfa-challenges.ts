import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { PrincipalKind } from '../../context/request-context';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import type { CanonicalEmail } from '../../security/email';

/** How long the second step of a sign-in may wait after the password. */
export const MFA_CHALLENGE_TTL_SECONDS = 300;
/** 32 random bytes, base64url: what an mfaToken looks like. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Who passed the password step, and how they asked for their tokens. */
export interface MfaChallenge {
  kind: PrincipalKind;
  userId: string;
  /** The organization, or `platform`. */
  organizationId: string;
  email: CanonicalEmail;
  refreshTokenInBody: boolean;
}

const keyOf = (token: string) =>
  `system:auth:mfa-challenge:${createHash('sha256').update(token).digest('hex')}`;

/**
 * The mfaToken between the two steps of a sign-in: opaque random bytes, of which the key-value
 * store keeps only the SHA-256, for 5 minutes. It is no JWT and has no session id, so it is
 * refused as a bearer token and as a refresh token; it works once (consume is one atomic
 * get-and-delete), on the verify route only.
 */
@Injectable()
export class MfaChallenges {
  constructor(@Inject(KV_STORE) private readonly kv: KeyValueStore) {}

  async issue(challenge: MfaChallenge): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.kv.set(keyOf(token), JSON.stringify(challenge), MFA_CHALLENGE_TTL_SECONDS);
    return token;
  }

  /** The challenge a live token names, without using it up (a wrong code may be retried). */
  async peek(token: string): Promise<MfaChallenge | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const raw = await this.kv.get(keyOf(token));
    return raw ? (JSON.parse(raw) as MfaChallenge) : null;
  }

  /** Uses the token up; true for exactly one of any number of concurrent callers. */
  async consume(token: string): Promise<boolean> {
    return TOKEN_SHAPE.test(token) && (await this.kv.getAndDelete(keyOf(token))) !== null;
  }
}
