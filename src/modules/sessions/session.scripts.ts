import type { KvScript, LocalKvTransaction } from '../../kv/kv-store';
import { RATE_LIMIT_LUA, rateLimitLocal } from '../../rate-limit/gcra';

/**
 * The atomic steps of the session lifecycle, each as Lua for Redis and as a synchronous
 * function for the in-process store. Both must behave the same (the e2e suite runs on both).
 *
 * Every step that creates, extends or ends a session updates the user's session index in the
 * same script: a sorted set of session ids scored by the time (ms) their refresh state expires,
 * whose own TTL is never shorter than its longest-lived member. So no live session is ever
 * missing from its user's index, however often it was refreshed.
 */

interface RefreshState {
  current: string;
  previous?: string;
  previousUntil?: number;
  successor?: string;
  /** Space-separated hashes of this session's earlier tokens (the newest RETIRED_KEPT). */
  retired?: string;
}

/** The fields of a stored session record the scripts read or write. */
interface StoredSession {
  id: string;
  userId: string;
  organizationId: string;
  /** Absent on records stored before sessions had a kind: those count as ended. */
  kind?: string;
  createdAt: number;
  lastUsedAt: number;
  /** When the refresh state expires (ms): the latest moment the session can still be alive. */
  expiresAt: number;
  [field: string]: unknown;
}

/** How many rotated-away tokens a session remembers for reuse detection. */
export const RETIRED_KEPT = 32;

function retire(retired: string | undefined, hash: string): string {
  return [...(retired ? retired.split(' ') : []), hash].slice(-RETIRED_KEPT).join(' ');
}

/** Lua: puts a session into its user's index and keeps the index alive at least as long. */
export const INDEX_SESSION_LUA = `
local function index_session(index, id, now, ttl)
  redis.call('ZADD', index, now + ttl, id)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
  if redis.call('PTTL', index) < ttl then redis.call('PEXPIRE', index, ttl) end
end`;

export function indexSession(
  tx: LocalKvTransaction,
  index: string,
  id: string,
  now: number,
  ttlMs: number,
): void {
  tx.sortedAdd(index, now + ttlMs, id);
  tx.sortedRemoveUpTo(index, now);
  if (tx.ttl(index) * 1000 < ttlMs) tx.expire(index, ttlMs / 1000);
}

/** The session key lives as long as the refresh state, or less when an idle timeout is set. */
const SESSION_TTL_LUA = `
local function session_ttl(ttl, idle)
  if idle > 0 and idle < ttl then return idle end
  return ttl
end`;

const sessionTtl = (ttlMs: number, idleMs: number): number =>
  idleMs > 0 && idleMs < ttlMs ? idleMs : ttlMs;

/**
 * Opens a session. KEYS: refresh state, session, user's session index.
 * ARGV: refresh state JSON, session JSON, session id, now (ms), lifetime (ms, already capped at
 * the absolute lifetime), idle timeout (ms, 0 = none).
 */
export const CREATE_SESSION: KvScript<number> = {
  name: 'create-session',
  lua: `${INDEX_SESSION_LUA}
${SESSION_TTL_LUA}
local ttl = tonumber(ARGV[5])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('SET', KEYS[2], ARGV[2], 'PX', session_ttl(ttl, tonumber(ARGV[6])))
index_session(KEYS[3], ARGV[3], tonumber(ARGV[4]), ttl)
return 1`,
  local(tx, [refreshKey, sessionKey, indexKey], [state, session, id, nowMs, ttlMs, idleMs]) {
    const ttl = Number(ttlMs);
    tx.set(refreshKey, state, ttl / 1000);
    tx.set(sessionKey, session, sessionTtl(ttl, Number(idleMs)) / 1000);
    indexSession(tx, indexKey, id, Number(nowMs), ttl);
    return 1;
  },
};

/**
 * Rotates a refresh token. KEYS: refresh state, session, user's session index. ARGV: presented
 * hash, new hash, successor sealed for the presented token, now (ms), grace (ms), refresh
 * lifetime (ms), absolute session lifetime (ms), idle timeout (ms, 0 = none).
 * Returns ['rotated', sessionJson], ['grace', sealedSuccessor, sessionJson], ['reuse', sessionJson]
 * (session ended; its record is returned so the security event can name the organization and user), ['expired'] (past the
 * absolute lifetime: ended), ['unknown'] or ['missing'].
 * Only a token this session really issued counts as reuse: a made-up `<orgId>.<sessionId>.<random>`
 * is 'unknown' and ends nothing, so knowing a session id is not enough to log someone out.
 * No key outlives the absolute lifetime: each TTL is capped at what is left of it.
 */
export const ROTATE_REFRESH: KvScript<string[]> = {
  name: 'rotate-refresh',
  lua: `${INDEX_SESSION_LUA}
${SESSION_TTL_LUA}
local raw = redis.call('GET', KEYS[1])
local session = redis.call('GET', KEYS[2])
if not raw or not session then return {'missing'} end
local record = cjson.decode(session)
if not record.kind then return {'missing'} end
local now = tonumber(ARGV[4])
local left = record.createdAt + tonumber(ARGV[7]) - now
if left <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('ZREM', KEYS[3], record.id)
  return {'expired'}
end
local state = cjson.decode(raw)
if state.current == ARGV[1] then
  state.previous = ARGV[1]
  state.previousUntil = now + tonumber(ARGV[5])
  state.successor = ARGV[3]
  state.current = ARGV[2]
  local kept = {}
  if state.retired then
    for hash in string.gmatch(state.retired, '%S+') do table.insert(kept, hash) end
  end
  table.insert(kept, ARGV[1])
  while #kept > ${RETIRED_KEPT} do table.remove(kept, 1) end
  state.retired = table.concat(kept, ' ')
  local ttl = math.min(tonumber(ARGV[6]), left)
  redis.call('SET', KEYS[1], cjson.encode(state), 'PX', ttl)
  record.lastUsedAt = now
  record.expiresAt = now + ttl
  local updated = cjson.encode(record)
  redis.call('SET', KEYS[2], updated, 'PX', session_ttl(ttl, tonumber(ARGV[8])))
  index_session(KEYS[3], record.id, now, ttl)
  return {'rotated', updated}
end
if state.previous == ARGV[1] and now <= state.previousUntil then
  return {'grace', state.successor, session}
end
if not state.retired or not string.find(' ' .. state.retired .. ' ', ' ' .. ARGV[1] .. ' ', 1, true) then
  return {'unknown'}
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], record.id)
return {'reuse', session}`,
  local(
    tx,
    [refreshKey, sessionKey, indexKey],
    [presented, next, sealed, nowMs, graceMs, refreshTtlMs, maxAgeMs, idleMs],
  ) {
    const raw = tx.get(refreshKey);
    const session = tx.get(sessionKey);
    if (raw === null || session === null) return ['missing'];
    const record = JSON.parse(session) as StoredSession;
    if (!record.kind) return ['missing'];
    const now = Number(nowMs);
    const left = record.createdAt + Number(maxAgeMs) - now;
    const end = (): void => {
      tx.delete(refreshKey);
      tx.delete(sessionKey);
      tx.sortedRemove(indexKey, [record.id]);
    };
    if (left <= 0) {
      end();
      return ['expired'];
    }
    const state = JSON.parse(raw) as RefreshState;
    if (state.current === presented) {
      const rotated: RefreshState = {
        current: next,
        previous: presented,
        previousUntil: now + Number(graceMs),
        successor: sealed,
        retired: retire(state.retired, presented),
      };
      const ttl = Math.min(Number(refreshTtlMs), left);
      tx.set(refreshKey, JSON.stringify(rotated), ttl / 1000);
      const updated = JSON.stringify({ ...record, lastUsedAt: now, expiresAt: now + ttl });
      tx.set(sessionKey, updated, sessionTtl(ttl, Number(idleMs)) / 1000);
      indexSession(tx, indexKey, record.id, now, ttl);
      return ['rotated', updated];
    }
    if (state.previous === presented && state.successor && now <= (state.previousUntil ?? 0)) {
      return ['grace', state.successor, session];
    }
    if (!state.retired?.split(' ').includes(presented)) return ['unknown'];
    end();
    return ['reuse', session];
  },
};

/**
 * The one round trip of every authenticated request. KEYS: blacklist entry of the token,
 * session, session cache, identity version, then the rate-limit buckets of the request (client
 * in the tenant, tenant; none when the limits are off). ARGV: session cache lifetime (ms, slid
 * on every hit), the token's user id, organization id and session kind, now (ms), idle timeout
 * (ms, 0 = none), then interval and window (ms) per bucket.
 * The buckets are counted first (rate-limit/gcra.ts): a refused request is ['limited'] and
 * looks at nothing else. Otherwise a session that belongs to another user, organization or
 * kind is 'ended' for this token. With an idle timeout, each request moves the session's
 * expiry to now + timeout (never past its refresh state). Returns [state, detail, rate-limit
 * result] with state 'limited', 'revoked', 'ended', 'ok' (detail: cached identity JSON) or
 * 'miss' (detail: identity version, which lets a rebuild store its result only if no
 * invalidation happened in between).
 */
export const CHECK_ACCESS: KvScript<[string, string, number[]]> = {
  name: 'check-access',
  lua: `${RATE_LIMIT_LUA}
local function check_session()
if redis.call('EXISTS', KEYS[1]) == 1 then return {'revoked'} end
local raw = redis.call('GET', KEYS[2])
if not raw then return {'ended'} end
local record = cjson.decode(raw)
if record.userId ~= ARGV[2] or record.organizationId ~= ARGV[3] or record.kind ~= ARGV[4] then
  return {'ended'}
end
local idle = tonumber(ARGV[6])
if idle > 0 then
  local left = math.min(idle, record.expiresAt - tonumber(ARGV[5]))
  if left > 0 then redis.call('PEXPIRE', KEYS[2], left) end
end
local cached = redis.call('GET', KEYS[3])
if cached then
  redis.call('PEXPIRE', KEYS[3], ARGV[1])
  return {'ok', cached}
end
return {'miss', redis.call('GET', KEYS[4]) or '0'}
end
local limits = rate_limit(5, #KEYS - 4, tonumber(ARGV[5]), 7)
if limits[1] ~= 0 then return {'limited', '', limits} end
local checked = check_session()
return {checked[1], checked[2] or '', limits}`,
  local(tx, keys, args) {
    const limits = rateLimitLocal(tx, keys.slice(4), Number(args[4]), args.slice(6));
    if (limits[0] !== 0) return ['limited', '', limits];
    const [state, detail] = checkSession(tx, keys, args);
    return [state, detail ?? '', limits];
  },
};

function checkSession(
  tx: LocalKvTransaction,
  [blacklistKey, sessionKey, cacheKey, versionKey]: string[],
  [cacheTtlMs, userId, organizationId, kind, nowMs, idleMs]: string[],
): string[] {
  if (tx.get(blacklistKey) !== null) return ['revoked'];
  const raw = tx.get(sessionKey);
  if (raw === null) return ['ended'];
  const record = JSON.parse(raw) as StoredSession;
  if (
    record.userId !== userId ||
    record.organizationId !== organizationId ||
    record.kind !== kind
  ) {
    return ['ended'];
  }
  const idle = Number(idleMs);
  if (idle > 0) {
    const left = Math.min(idle, record.expiresAt - Number(nowMs));
    if (left > 0) tx.expire(sessionKey, left / 1000);
  }
  const cached = tx.get(cacheKey);
  if (cached === null) return ['miss', tx.get(versionKey) ?? '0'];
  tx.expire(cacheKey, Number(cacheTtlMs) / 1000);
  return ['ok', cached];
}
