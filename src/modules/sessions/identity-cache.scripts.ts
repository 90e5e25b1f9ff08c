import type { KvScript } from '../../kv/kv-store';

/**
 * The identity cache cannot be resurrected with stale permissions: every invalidation bumps a
 * version counter per (organization, user), and a rebuild stores its result only if the version
 * it read before reading the database is still the current one.
 */

/**
 * Stores a rebuilt identity unless it was invalidated since. KEYS: session cache, identity
 * version. ARGV: identity JSON, cache lifetime (ms), version read before the database ('0' when
 * the counter did not exist). Returns 1 when stored, 0 when refused.
 */
export const CACHE_IDENTITY: KvScript<number> = {
  name: 'cache-identity',
  lua: `
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
  local(tx, [cacheKey, versionKey], [identity, ttlMs, version]) {
    if ((tx.get(versionKey) ?? '0') !== version) return 0;
    tx.set(cacheKey, identity, Number(ttlMs) / 1000);
    return 1;
  },
};

/**
 * Drops the cached identity and bumps its version. KEYS: session cache, identity version.
 * ARGV: version lifetime (ms). Returns the new version.
 */
export const INVALIDATE_IDENTITY: KvScript<number> = {
  name: 'invalidate-identity',
  lua: `
local version = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return version`,
  local(tx, [cacheKey, versionKey], [ttlMs]) {
    const version = Number(tx.get(versionKey) ?? '0') + 1;
    tx.set(versionKey, String(version), Number(ttlMs) / 1000);
    tx.delete(cacheKey);
    return version;
  },
};
