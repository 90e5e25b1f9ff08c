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
}

interface SessionRecordJson {
  lastUsedAt?: number;
  [key: string]: unknown;
}

/**
 * Rotates a refresh token. KEYS: refresh state, session. ARGV: presented hash, new hash,
 * successor sealed for the presented token, now (ms), grace (ms), lifetime (ms).
 * Returns ['rotated'], ['grace', sealedSuccessor], ['reuse', sessionJson] (session deleted; its record
 * is returned so the security event can name the organization and user) or ['missing'].
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
  redis.call('SET', KEYS[1], cjson.encode(state), 'PX', ARGV[6])
  local record = cjson.decode(session)
  record.lastUsedAt = now
  redis.call('SET', KEYS[2], cjson.encode(record), 'PX', ARGV[6])
  return {'rotated'}
end
if state.previous == ARGV[1] and now <= state.previousUntil then
  return {'grace', state.successor}
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
      const rotated: RefreshState = { current: next, previous: presented, previousUntil: now + Number(graceMs), successor: sealed };
      tx.set(refreshKey, JSON.stringify(rotated), Number(ttlMs) / 1000);
      const record = JSON.parse(session) as SessionRecordJson;
      tx.set(sessionKey, JSON.stringify({ ...record, lastUsedAt: now }), Number(ttlMs) / 1000);
      return ['rotated'];
    }
    if (state.previous === presented && state.successor && now <= (state.previousUntil ?? 0)) {
      return ['grace', state.successor];
    }
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
