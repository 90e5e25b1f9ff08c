import type { KvScript } from '../../kv/kv-store';

/**
 * The atomic steps of the session lifecycle, each as Lua for Redis and as a synchronous
 * function for the in-process store. Both must behave the same (the e2e suite runs on both).
 */

interface RefreshState {
  current: string;
  previous?: string;
  previousUntil?: number;
  successor?: string;
  /** Space-separated hashes of this session's earlier tokens (the newest RETIRED_KEPT). */
  retired?: string;
}

/** How many rotated-away tokens a session remembers for reuse detection. */
export const RETIRED_KEPT = 32;

function retire(retired: string | undefined, hash: string): string {
  return [...(retired ? retired.split(' ') : []), hash].slice(-RETIRED_KEPT).join(' ');
}

interface SessionRecordJson {
  lastUsedAt?: number;
  [key: string]: unknown;
}

/**
 * Rotates a refresh token. KEYS: refresh state, session. ARGV: presented hash, new hash,
 * successor sealed for the presented token, now (ms), grace (ms), lifetime (ms).
 * Returns ['rotated'], ['grace', sealedSuccessor], ['reuse', sessionJson] (session deleted; its record
 * is returned so the security event can name the organization and user), ['unknown'] or ['missing'].
 * Only a token this session really issued counts as reuse: a made-up `<sessionId>.<random>`
 * is 'unknown' and ends nothing, so knowing a session id is not enough to log someone out.
 */
export const ROTATE_REFRESH: KvScript<string[]> = {
  name: 'rotate-refresh',
  lua: `
local raw = redis.call('GET', KEYS[1])
local session = redis.call('GET', KEYS[2])
if not raw or not session then return {'missing'} end
local state = cjson.decode(raw)
local now = tonumber(ARGV[4])
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
  redis.call('SET', KEYS[1], cjson.encode(state), 'PX', ARGV[6])
  local record = cjson.decode(session)
  record.lastUsedAt = now
  redis.call('SET', KEYS[2], cjson.encode(record), 'PX', ARGV[6])
  return {'rotated'}
end
if state.previous == ARGV[1] and now <= state.previousUntil then
  return {'grace', state.successor}
end
if not state.retired or not string.find(' ' .. state.retired .. ' ', ' ' .. ARGV[1] .. ' ', 1, true) then
  return {'unknown'}
end
redis.call('DEL', KEYS[1], KEYS[2])
return {'reuse', session}`,
  local(tx, [refreshKey, sessionKey], [presented, next, sealed, nowMs, graceMs, ttlMs]) {
    const raw = tx.get(refreshKey);
    const session = tx.get(sessionKey);
    if (raw === null || session === null) return ['missing'];
    const state = JSON.parse(raw) as RefreshState;
    const now = Number(nowMs);
    if (state.current === presented) {
      const rotated: RefreshState = {
        current: next,
        previous: presented,
        previousUntil: now + Number(graceMs),
        successor: sealed,
        retired: retire(state.retired, presented),
      };
      tx.set(refreshKey, JSON.stringify(rotated), Number(ttlMs) / 1000);
      const record = JSON.parse(session) as SessionRecordJson;
      tx.set(sessionKey, JSON.stringify({ ...record, lastUsedAt: now }), Number(ttlMs) / 1000);
      return ['rotated'];
    }
    if (state.previous === presented && state.successor && now <= (state.previousUntil ?? 0)) {
      return ['grace', state.successor];
    }
    if (!state.retired?.split(' ').includes(presented)) return ['unknown'];
    tx.delete(refreshKey);
    tx.delete(sessionKey);
    return ['reuse', session];
  },
};

/**
 * The one round trip of every authenticated request. KEYS: blacklist entry of the token,
 * session, session cache. ARGV: session cache lifetime (ms), slid on every hit.
 * Returns ['revoked'], ['ended'], ['ok'] (cache miss) or ['ok', cachedJson].
 */
export const CHECK_ACCESS: KvScript<string[]> = {
  name: 'check-access',
  lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'revoked'} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'ended'} end
local cached = redis.call('GET', KEYS[3])
if cached then
  redis.call('PEXPIRE', KEYS[3], ARGV[1])
  return {'ok', cached}
end
return {'ok'}`,
  local(tx, [blacklistKey, sessionKey, cacheKey], [cacheTtlMs]) {
    if (tx.get(blacklistKey) !== null) return ['revoked'];
    if (tx.get(sessionKey) === null) return ['ended'];
    const cached = tx.get(cacheKey);
    if (cached === null) return ['ok'];
    tx.expire(cacheKey, Number(cacheTtlMs) / 1000);
    return ['ok', cached];
  },
};
