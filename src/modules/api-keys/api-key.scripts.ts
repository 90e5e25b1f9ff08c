import type { KvScript } from '../../kv/kv-store';
import { RATE_LIMIT_LUA, rateLimitLocal } from '../../rate-limit/gcra';

/**
 * The one round trip of a request made with an API key: counts it in its buckets (client in
 * the tenant, tenant, key; see rate-limit/gcra.ts) and, when allowed, sets the key's "used
 * recently" marker. KEYS: used marker, then the buckets. ARGV: now (ms), marker lifetime (ms),
 * then interval and window (ms) per bucket. Returns [rate-limit result, 1 when the marker was
 * set now (so last_used_at is due) else 0].
 */
export const ADMIT_API_KEY: KvScript<[number[], number]> = {
  name: 'admit-api-key',
  lua: `${RATE_LIMIT_LUA}
local limits = rate_limit(2, #KEYS - 1, tonumber(ARGV[1]), 3)
if limits[1] ~= 0 then return {limits, 0} end
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return {limits, 1} end
return {limits, 0}`,
  local(tx, [usedKey, ...keys], [now, usedTtlMs, ...args]) {
    const limits = rateLimitLocal(tx, keys, Number(now), args);
    if (limits[0] !== 0 || tx.get(usedKey) !== null) return [limits, 0];
    tx.set(usedKey, '1', Number(usedTtlMs) / 1000);
    return [limits, 1];
  },
};
