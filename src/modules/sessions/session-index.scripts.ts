import type { KvScript } from '../../kv/kv-store';

/**
 * Scripts that end sessions or read them through a user's session index (a sorted set of session
 * ids scored by expiry, see session.scripts.ts), so the index and the sessions change together.
 *
 * END_ALL and LIST_SESSIONS reach the sessions the index names. A script may touch only the keys
 * it is given (Redis Cluster routes it by them), so the caller names the sessions it knows of,
 * and the script reports the ids in the index it was not given; the caller runs it again naming
 * those too. The first run names none and so only reads the index. See SessionService.
 */

/**
 * Ends one session. KEYS: session, refresh state, user's session index. ARGV: session id.
 * Returns how many of the session's keys existed (0: it had already ended).
 */
export const END_SESSION: KvScript<number> = {
  name: 'end-session',
  lua: `
local removed = redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return removed`,
  local(tx, [sessionKey, refreshKey, indexKey], [id]) {
    const removed = [sessionKey, refreshKey].filter((key) => tx.delete(key)).length;
    tx.sortedRemove(indexKey, [id]);
    return removed;
  },
};

/** Lua: the ids in ARGV from position `from` on, mapped to their position among them (1-based). */
const DECLARED_LUA = `
local function declared_ids(from)
  local ids = {}
  for i = from, #ARGV do ids[ARGV[i]] = i - from + 1 end
  return ids, #ARGV - from + 1
end`;

/**
 * Ends every session of a user that the caller names, but `keep`. KEYS: user's session index,
 * then the session key of each named id, then its refresh key. ARGV: session id to keep ('' for
 * none), then the named ids. Returns [how many live sessions ended, ids in the index not named].
 */
export const END_ALL: KvScript<[number, string[]]> = {
  name: 'end-all-sessions',
  lua: `${DECLARED_LUA}
local ids, n = declared_ids(2)
local ended = 0
local unnamed = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local i = ids[id]
  if id ~= ARGV[1] and not i then table.insert(unnamed, id) end
  if id ~= ARGV[1] and i then
    ended = ended + redis.call('DEL', KEYS[1 + i])
    redis.call('DEL', KEYS[1 + n + i])
    redis.call('ZREM', KEYS[1], id)
  end
end
return {ended, unnamed}`,
  local(tx, [indexKey, ...sessionKeys], [keep, ...named]) {
    const n = named.length;
    let ended = 0;
    const unnamed: string[] = [];
    for (const id of tx.sortedMembers(indexKey)) {
      if (id === keep) continue;
      const i = named.indexOf(id);
      if (i < 0) {
        unnamed.push(id);
        continue;
      }
      if (tx.delete(sessionKeys[i])) ended += 1;
      tx.delete(sessionKeys[n + i]);
      tx.sortedRemove(indexKey, [id]);
    }
    return [ended, unnamed];
  },
};

/**
 * A user's live sessions among those the caller names. KEYS: user's session index, then the
 * session key of each named id. ARGV: now (ms), then the named ids. Prunes expired and ended
 * entries from the index on the way; returns [the named sessions' records as JSON, ids in the
 * index not named].
 */
export const LIST_SESSIONS: KvScript<[string[], string[]]> = {
  name: 'list-sessions',
  lua: `${DECLARED_LUA}
local ids = declared_ids(2)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local records = {}
local unnamed = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local i = ids[id]
  if not i then
    table.insert(unnamed, id)
  else
    local raw = redis.call('GET', KEYS[1 + i])
    if raw then table.insert(records, raw) else redis.call('ZREM', KEYS[1], id) end
  end
end
return {records, unnamed}`,
  local(tx, [indexKey, ...sessionKeys], [nowMs, ...named]) {
    tx.sortedRemoveUpTo(indexKey, Number(nowMs));
    const records: string[] = [];
    const unnamed: string[] = [];
    for (const id of tx.sortedMembers(indexKey)) {
      const i = named.indexOf(id);
      const raw = i < 0 ? null : tx.get(sessionKeys[i]);
      if (i < 0) unnamed.push(id);
      else if (raw === null) tx.sortedRemove(indexKey, [id]);
      else records.push(raw);
    }
    return [records, unnamed];
  },
};
