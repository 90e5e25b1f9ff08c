import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import type { CachedIdentity } from '../../context/identity';
import { bucketArgs, type Buckets, type RateVerdict, verdictOf } from '../../rate-limit/gcra';
import { tenantBuckets } from '../../rate-limit/rate-limit-buckets';
import { CACHE_IDENTITY, INVALIDATE_IDENTITY } from './identity-cache.scripts';
import { ParsedIdentities } from './parsed-identities';
import { SessionControl } from './session-control';
import { END_ALL, END_SESSION, LIST_SESSIONS } from './session-index.scripts';
import { SessionKeys } from './session-keys';
import { type SessionKind, sessionKindOf } from './session-kind';
import { CHECK_ACCESS, CREATE_SESSION, ROTATE_REFRESH } from './session.scripts';
import {
  hashToken,
  newRefreshToken,
  sealSuccessor,
  subjectOf,
  unsealSuccessor,
} from './refresh-token';

export interface SessionRecord {
  id: string;
  userId: string;
  organizationId: string;
  kind: SessionKind;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastUsedAt: number;
  /** When the current refresh token expires (ms); never past createdAt + SESSION_MAX_AGE. */
  expiresAt: number;
  /**
   * How the sign-in was proven (RFC 8176 values): `['pwd']`, or `['pwd', 'otp']` with a second
   * factor. Every access token of the session carries it. Absent on records stored before it: `['pwd']`.
   */
  amr?: string[];
}

/** A password alone; what a session opened before sessions recorded it was proven by. */
export const PASSWORD_ONLY: readonly string[] = ['pwd'];

export type RotationResult =
  | { outcome: 'rotated' | 'grace'; session: SessionRecord; refreshToken: string }
  | { outcome: 'reuse'; sessionId: string; session: SessionRecord | null }
  | { outcome: 'invalid' };

/** `rateLimit`: the verdict of the general limits, when the check counted them. */
export type AccessCheck = { rateLimit: RateVerdict | null } & (
  | { state: 'revoked' }
  | { state: 'ended' }
  | { state: 'ok'; identity: CachedIdentity }
  /** No cached identity: rebuild it, and store it only if `version` is still current. */
  | { state: 'miss'; version: string }
  /** A rate limit refused the request; nothing else was looked at. */
  | { state: 'limited'; rateLimit: RateVerdict }
);

const NO_BUCKETS: Buckets = { keys: [], policies: [] };

/**
 * How long an identity version counter outlives its last invalidation: far longer than any
 * rebuild (one database read) can take, so a counter never resets under a rebuild in flight.
 */
const IDENTITY_VERSION_TTL_MS = 24 * 3600 * 1000;

/** Sessions, refresh tokens, the access-token blacklist and the session cache, all in the key-value store. */
@Injectable()
export class SessionService implements SessionControl {
  constructor(
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Identities read by checkAccess, parsed once per distinct value. */
  private readonly parsedIdentities = new ParsedIdentities();

  private get lifetimes(): { refreshMs: number; maxAgeMs: number; idleMs: number } {
    const { refreshTtlSeconds, sessionMaxAgeSeconds, sessionIdleTimeoutSeconds } = this.config.jwt;
    return {
      refreshMs: refreshTtlSeconds * 1000,
      maxAgeMs: sessionMaxAgeSeconds * 1000,
      idleMs: (sessionIdleTimeoutSeconds ?? 0) * 1000,
    };
  }

  async create(
    userId: string,
    organizationId: string,
    device: { userAgent?: string; ip?: string },
    amr: readonly string[] = PASSWORD_ONLY,
  ): Promise<{ session: SessionRecord; refreshToken: string }> {
    const { token, sessionId } = newRefreshToken(organizationId);
    const { refreshMs, maxAgeMs, idleMs } = this.lifetimes;
    const ttlMs = Math.min(refreshMs, maxAgeMs);
    const now = Date.now();
    const session: SessionRecord = {
      id: sessionId,
      userId,
      organizationId,
      kind: sessionKindOf(organizationId),
      userAgent: device.userAgent ?? null,
      ip: device.ip ?? null,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + ttlMs,
      amr: [...amr],
    };
    await this.kv.runScript(
      CREATE_SESSION,
      [
        SessionKeys.refresh(organizationId, sessionId),
        SessionKeys.session(organizationId, sessionId),
        SessionKeys.userSessions(organizationId, userId),
      ],
      [
        JSON.stringify({ current: hashToken(token) }),
        JSON.stringify(session),
        sessionId,
        now,
        ttlMs,
        idleMs,
      ],
    );
    return { session, refreshToken: token };
  }

  /**
   * Atomic rotation with reuse detection and a grace window for the immediately previous token.
   * Refused past the session's absolute lifetime, however often it was refreshed.
   */
  async rotate(presented: string): Promise<RotationResult> {
    const subject = subjectOf(presented);
    if (!subject) return { outcome: 'invalid' };
    const { organizationId, sessionId } = subject;
    // The script needs the user's index key; a session's user never changes, so reading it first is safe.
    const session = await this.get(organizationId, sessionId);
    if (!session) return { outcome: 'invalid' };
    const { token: next } = newRefreshToken(organizationId, sessionId);
    const { refreshMs, maxAgeMs, idleMs } = this.lifetimes;
    const [outcome, detail, record] = await this.kv.runScript(
      ROTATE_REFRESH,
      [
        SessionKeys.refresh(organizationId, sessionId),
        SessionKeys.session(organizationId, sessionId),
        SessionKeys.userSessions(organizationId, session.userId),
      ],
      [
        hashToken(presented),
        hashToken(next),
        sealSuccessor(presented, next),
        Date.now(),
        Math.round(this.config.auth.refreshReuseGraceSeconds * 1000),
        refreshMs,
        maxAgeMs,
        idleMs,
      ],
    );
    if (outcome === 'reuse') {
      // The script already ended the session; it hands back the record it deleted.
      const ended = detail ? (JSON.parse(detail) as SessionRecord) : null;
      return { outcome: 'reuse', sessionId, session: ended };
    }
    if (outcome === 'rotated' && detail)
      return { outcome, session: JSON.parse(detail) as SessionRecord, refreshToken: next };
    const successor = outcome === 'grace' ? unsealSuccessor(presented, detail ?? '') : null;
    if (!successor || !record) return { outcome: 'invalid' };
    return {
      outcome: 'grace',
      session: JSON.parse(record) as SessionRecord,
      refreshToken: successor,
    };
  }

  async get(organizationId: string, sessionId: string): Promise<SessionRecord | null> {
    const raw = await this.kv.get(SessionKeys.session(organizationId, sessionId));
    return raw ? (JSON.parse(raw) as SessionRecord) : null;
  }

  async listForUser(organizationId: string, userId: string): Promise<SessionRecord[]> {
    const index = SessionKeys.userSessions(organizationId, userId);
    // Each run reads the sessions it names and reports the ids it was not given (LIST_SESSIONS);
    // the run that names every id in the index has the answer.
    let named: string[] = [];
    for (;;) {
      const [records, unnamed] = await this.kv.runScript(
        LIST_SESSIONS,
        [index, ...named.map((id) => SessionKeys.session(organizationId, id))],
        [Date.now(), ...named],
      );
      if (unnamed.length === 0) return this.parseSessions(records);
      named = [...named, ...unnamed];
    }
  }

  private parseSessions(records: string[]): SessionRecord[] {
    return records
      .map((raw) => JSON.parse(raw) as SessionRecord)
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  async end(organizationId: string, userId: string, sessionId: string): Promise<boolean> {
    const removed = await this.kv.runScript(
      END_SESSION,
      [
        SessionKeys.session(organizationId, sessionId),
        SessionKeys.refresh(organizationId, sessionId),
        SessionKeys.userSessions(organizationId, userId),
      ],
      [sessionId],
    );
    return removed > 0;
  }

  /**
   * Ends every session of a user, or every one but `keep`. Returns how many ended. The first run
   * of END_ALL names no session and learns the ids; each later run ends those it names and
   * reports any opened since. It stops at a run that finds none it was not given: at that
   * moment the user has no session left but `keep`, as if it had been one atomic step. Each run
   * ends every session known before it, so only a user opening sessions faster than one round
   * trip each keeps it going.
   */
  async endAll(organizationId: string, userId: string, keep?: string): Promise<number> {
    const index = SessionKeys.userSessions(organizationId, userId);
    let ended = 0;
    let named: string[] = [];
    for (;;) {
      const [count, unnamed] = await this.kv.runScript(
        END_ALL,
        [
          index,
          ...named.map((id) => SessionKeys.session(organizationId, id)),
          ...named.map((id) => SessionKeys.refresh(organizationId, id)),
        ],
        [keep ?? '', ...named],
      );
      ended += count;
      if (unnamed.length === 0) return ended;
      named = unnamed;
    }
  }

  /** Refuses an access token until it would have expired anyway. */
  async blacklist(
    organizationId: string,
    tokenId: string,
    expiresAtSeconds: number,
  ): Promise<void> {
    const remaining = expiresAtSeconds - Date.now() / 1000;
    if (remaining > 0)
      await this.kv.set(SessionKeys.blacklist(organizationId, tokenId), '1', remaining);
  }

  /**
   * Whether the token may act: not revoked, its session alive and its own (user, organization,
   * kind). With the client's address, the same round trip counts the request in the general
   * rate limits of its organization ('limited' when one refuses it).
   */
  async checkAccess(
    token: { tokenId: string; sessionId: string; organizationId: string; userId: string },
    kind: SessionKind,
    client?: { ip: string | undefined },
  ): Promise<AccessCheck> {
    const { tokenId, sessionId, organizationId, userId } = token;
    const buckets = client
      ? tenantBuckets(this.config.rateLimits, organizationId, client.ip)
      : NO_BUCKETS;
    const [state, detail, limits] = await this.kv.runScript(
      CHECK_ACCESS,
      [
        SessionKeys.blacklist(organizationId, tokenId),
        SessionKeys.session(organizationId, sessionId),
        SessionKeys.sessionCache(organizationId, userId),
        SessionKeys.identityVersion(organizationId, userId),
        ...buckets.keys,
      ],
      [
        Math.round(this.config.auth.sessionCacheTtlSeconds * 1000),
        userId,
        organizationId,
        kind,
        Date.now(),
        (this.config.jwt.sessionIdleTimeoutSeconds ?? 0) * 1000,
        ...bucketArgs(buckets.policies),
      ],
    );
    const rateLimit = verdictOf(limits, buckets.policies);
    if (state === 'limited' && rateLimit) return { state, rateLimit };
    if (state === 'ok') return { state, identity: this.parsedIdentities.parse(detail), rateLimit };
    if (state === 'miss') return { state, version: detail, rateLimit };
    return { state: state === 'revoked' ? 'revoked' : 'ended', rateLimit };
  }

  /** The identity version a rebuild must read before it reads the database. */
  async identityVersion(organizationId: string, userId: string): Promise<string> {
    return (await this.kv.get(SessionKeys.identityVersion(organizationId, userId))) ?? '0';
  }

  /** Caches a rebuilt identity unless it was invalidated after `version` was read. True when stored. */
  async cacheIdentity(identity: CachedIdentity, version: string): Promise<boolean> {
    const { organization, user } = identity;
    const stored = await this.kv.runScript(
      CACHE_IDENTITY,
      [
        SessionKeys.sessionCache(organization.id, user.id),
        SessionKeys.identityVersion(organization.id, user.id),
      ],
      [
        JSON.stringify(identity),
        Math.round(this.config.auth.sessionCacheTtlSeconds * 1000),
        version,
      ],
    );
    return stored === 1;
  }

  /** Drops the cached identity so the next request of the user rebuilds it from the database. */
  async invalidateIdentity(organizationId: string, userId: string): Promise<void> {
    await this.kv.runScript(
      INVALIDATE_IDENTITY,
      [
        SessionKeys.sessionCache(organizationId, userId),
        SessionKeys.identityVersion(organizationId, userId),
      ],
      [IDENTITY_VERSION_TTL_MS],
    );
  }
}
