import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import type { CachedIdentity } from '../../context/identity';
import { SessionControl } from './session-control';
import { SessionKeys } from './session-keys';
import { CHECK_ACCESS, ROTATE_REFRESH } from './session.scripts';
import {
  hashToken,
  newRefreshToken,
  sealSuccessor,
  sessionIdOf,
  unsealSuccessor,
} from './refresh-token';

export interface SessionRecord {
  id: string;
  userId: string;
  organizationId: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastUsedAt: number;
}

export type RotationResult =
  | { outcome: 'rotated' | 'grace'; session: SessionRecord; refreshToken: string }
  | { outcome: 'reuse'; sessionId: string; session: SessionRecord | null }
  | { outcome: 'invalid' };

export type AccessCheck =
  { state: 'revoked' | 'ended' } | { state: 'ok'; identity: CachedIdentity | null };

/** Sessions, refresh tokens, the access-token blacklist and the session cache, all in the key-value store. */
@Injectable()
export class SessionService implements SessionControl {
  constructor(
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get ttl(): number {
    return this.config.jwt.refreshTtlSeconds;
  }

  async create(
    userId: string,
    organizationId: string,
    device: { userAgent?: string; ip?: string },
  ): Promise<{ session: SessionRecord; refreshToken: string }> {
    const { token, sessionId } = newRefreshToken();
    const now = Date.now();
    const session: SessionRecord = {
      id: sessionId,
      userId,
      organizationId,
      userAgent: device.userAgent?.slice(0, 256) ?? null,
      ip: device.ip ?? null,
      createdAt: now,
      lastUsedAt: now,
    };
    await this.kv.set(
      SessionKeys.refresh(sessionId),
      JSON.stringify({ current: hashToken(token) }),
      this.ttl,
    );
    await this.kv.set(SessionKeys.session(sessionId), JSON.stringify(session), this.ttl);
    await this.kv.setAdd(SessionKeys.userSessions(userId), [sessionId], this.ttl);
    return { session, refreshToken: token };
  }

  /** Atomic rotation with reuse detection and a grace window for the immediately previous token. */
  async rotate(presented: string): Promise<RotationResult> {
    const sessionId = sessionIdOf(presented);
    if (!sessionId) return { outcome: 'invalid' };
    const { token: next } = newRefreshToken(sessionId);
    const [outcome, detail] = await this.kv.runScript(
      ROTATE_REFRESH,
      [SessionKeys.refresh(sessionId), SessionKeys.session(sessionId)],
      [
        hashToken(presented),
        hashToken(next),
        sealSuccessor(presented, next),
        Date.now(),
        Math.round(this.config.auth.refreshReuseGraceSeconds * 1000),
        Math.round(this.ttl * 1000),
      ],
    );
    if (outcome === 'reuse') {
      // The script already deleted the session; it hands back the record it deleted.
      const ended = detail ? (JSON.parse(detail) as SessionRecord) : null;
      if (ended) await this.kv.setRemove(SessionKeys.userSessions(ended.userId), [sessionId]);
      return { outcome: 'reuse', sessionId, session: ended };
    }
    if (outcome !== 'rotated' && outcome !== 'grace') return { outcome: 'invalid' };
    const refreshToken = outcome === 'rotated' ? next : unsealSuccessor(presented, detail ?? '');
    const session = await this.get(sessionId);
    if (!refreshToken || !session) return { outcome: 'invalid' };
    return { outcome, session, refreshToken };
  }

  async get(sessionId: string): Promise<SessionRecord | null> {
    const raw = await this.kv.get(SessionKeys.session(sessionId));
    return raw ? (JSON.parse(raw) as SessionRecord) : null;
  }

  async listForUser(userId: string): Promise<SessionRecord[]> {
    const ids = await this.kv.setMembers(SessionKeys.userSessions(userId));
    const raws = await this.kv.getMany(ids.map((id) => SessionKeys.session(id)));
    const stale = ids.filter((_, index) => raws[index] === null);
    if (stale.length > 0) await this.kv.setRemove(SessionKeys.userSessions(userId), stale);
    return raws
      .filter((raw): raw is string => raw !== null)
      .map((raw) => JSON.parse(raw) as SessionRecord)
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  async end(userId: string, sessionId: string): Promise<boolean> {
    const removed = await this.kv.delete(
      SessionKeys.session(sessionId),
      SessionKeys.refresh(sessionId),
    );
    await this.kv.setRemove(SessionKeys.userSessions(userId), [sessionId]);
    return removed > 0;
  }

  /** Ends every session of a user, or every one but `keep`. Returns how many ended. */
  async endAll(userId: string, keep?: string): Promise<number> {
    const ids = (await this.kv.setMembers(SessionKeys.userSessions(userId))).filter(
      (id) => id !== keep,
    );
    if (ids.length === 0) return 0;
    const keys = ids.flatMap((id) => [SessionKeys.session(id), SessionKeys.refresh(id)]);
    await this.kv.delete(...keys);
    await this.kv.setRemove(SessionKeys.userSessions(userId), ids);
    return ids.length;
  }

  /** Refuses an access token until it would have expired anyway. */
  async blacklist(tokenId: string, expiresAtSeconds: number): Promise<void> {
    const remaining = expiresAtSeconds - Date.now() / 1000;
    if (remaining > 0) await this.kv.set(SessionKeys.blacklist(tokenId), '1', remaining);
  }

  async checkAccess(
    tokenId: string,
    sessionId: string,
    organizationId: string,
    userId: string,
  ): Promise<AccessCheck> {
    const [state, cached] = await this.kv.runScript(
      CHECK_ACCESS,
      [
        SessionKeys.blacklist(tokenId),
        SessionKeys.session(sessionId),
        SessionKeys.sessionCache(organizationId, userId),
      ],
      [Math.round(this.config.auth.sessionCacheTtlSeconds * 1000)],
    );
    if (state === 'revoked' || state === 'ended') return { state };
    return { state: 'ok', identity: cached ? (JSON.parse(cached) as CachedIdentity) : null };
  }

  cacheIdentity(identity: CachedIdentity): Promise<void> {
    return this.kv.set(
      SessionKeys.sessionCache(identity.organization.id, identity.user.id),
      JSON.stringify(identity),
      this.config.auth.sessionCacheTtlSeconds,
    );
  }

  /** Drops the cached identity so the next request of the user rebuilds it from the database. */
  async invalidateIdentity(organizationId: string, userId: string): Promise<void> {
    await this.kv.delete(SessionKeys.sessionCache(organizationId, userId));
  }
}
