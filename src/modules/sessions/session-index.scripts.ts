import type { KvScript } from '../../kv/kv-store';

/**
 * Scripts that end sessions or read them through a user's session index (a sorted set of session
 * ids scored by expiry, see session.scripts.ts), so the index and the sessions change together.
 *
 * END_ALL and LIST_SESSIONS reach session keys named by the index, which a caller cannot list in
 * KEYS beforehand. They rebuild those keys from the index key: ARGV[1] is the index key as the
 * application names it, and whatever the adapter put in front of it (the Redis key prefix, nothing
 * in process) goes in front of the session keys too. One Redis only: not for Redis Cluster.
 */

const BASE_LUA = `local base = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1])`;

const baseOf = (indexKey: string, logicalIndexKey: string): string =>
  indexKey.slice(0, indexKey.length - logicalIndexKey.length);

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

/**
 * Ends every session of a user but `keep`. KEYS: user's session index. ARGV: the index key
 * unprefixed, session key prefix, refresh key prefix, session id to keep ('' for none).
 * Returns how many live sessions ended.
 */
export const END_ALL: KvScript<number> = {
  name: 'end-all-sessions',
  lua: `
${BASE_LUA}
local ended = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[4] then
    ended = ended + redis.call('DEL', base .. ARGV[2] .. id)
    redis.call('DEL', base .. ARGV[3] .. id)
    redis.call('ZREM', KEYS[1], id)
  end
end
return ended`,
  local(tx, [indexKey], [logicalIndexKey, sessionPrefix, refreshPrefix, keep]) {
    const base = baseOf(indexKey, logicalIndexKey);
    let ended = 0;
    for (const id of tx.sortedMembers(indexKey)) {
      if (id === keep) continue;
      if (tx.delete(base + sessionPrefix + id)) ended += 1;
      tx.delete(base + refreshPrefix + id);
      tx.sortedRemove(indexKey, [id]);
    }
    return ended;
  },
};

/**
 * A user's live sessions. KEYS: user's session index. ARGV: the index key unprefixed, session key
 * prefix, now (ms). Prunes expired and ended entries from the index on the way; returns the
 * session records as JSON.
 */
export const LIST_SESSIONS: KvScript<string[]> = {
  name: 'list-sessions',
  lua: `
${BASE_LUA}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local records = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local raw = redis.call('GET', base .. ARGV[2] .. id)
  if raw then table.insert(records, raw) else redis.call('ZREM', KEYS[1], id) end
end
return records`,
  local(tx, [indexKey], [logicalIndexKey, sessionPrefix, nowMs]) {
    const base = baseOf(indexKey, logicalIndexKey);
    tx.sortedRemoveUpTo(indexKey, Number(nowMs));
    const records: string[] = [];
    for (const id of tx.sortedMembers(indexKey)) {
      const raw = tx.get(base + sessionPrefix + id);
      if (raw === null) tx.sortedRemove(indexKey, [id]);
      else records.push(raw);
    }
    return records;
  },
};
