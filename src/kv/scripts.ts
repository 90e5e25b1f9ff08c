import type { KvScript } from './kv-store';

/** Shared scripts the adapters use to implement the interface's atomic operations. */

export const COMPARE_AND_SET: KvScript<number> = {
  name: 'compare-and-set',
  lua: `
local current = redis.call('GET', KEYS[1])
if ARGV[4] == '1' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1`,
  local(tx, [key], [expected, next, ttlMs, expectAbsent]) {
    const current = tx.get(key);
    const matches = expectAbsent === '1' ? current === null : current === expected;
    if (!matches) return 0;
    const ttl = Number(ttlMs);
    tx.set(key, next, ttl > 0 ? ttl / 1000 : undefined);
    return 1;
  },
};

export const INCREMENT_WITH_TTL: KvScript<number[]> = {
  name: 'increment-with-ttl',
  lua: `
local value = redis.call('INCR', KEYS[1])
if value == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { value, ttl }`,
  local(tx, [key], [ttlMs]) {
    const current = tx.get(key);
    const value = (current === null ? 0 : Number(current)) + 1;
    const remaining = tx.ttl(key);
    if (current === null || remaining < 0) {
      tx.set(key, String(value), Number(ttlMs) / 1000);
      return [value, Number(ttlMs)];
    }
    tx.set(key, String(value), remaining);
    return [value, Math.round(remaining * 1000)];
  },
};
