import type { KvScript, LocalKvTransaction } from '../../kv/kv-store';

/**
 * The two atomic steps of the login throttle, as Lua for Redis and as a synchronous function
 * for the in-process store; both must behave the same (the e2e suite runs on both).
 */

/** What COUNT_ATTEMPT decided: go on, or which counter is past its limit. */
export const ATTEMPT_ALLOWED = 0;
export const CLIENT_LOCKED = 1;
export const ACCOUNT_LOCKED = 2;

/**
 * Counts one credential check. KEYS: the (account, client) counter, the account counter.
 * ARGV: window (ms), client limit, account limit. Both counters are fixed windows, started by
 * their first attempt. An attempt refused by its client's counter does not reach the account
 * counter: one client hammering an account cannot lock it for everyone.
 * Returns [verdict, counter value, remaining window (ms)].
 */
export const COUNT_ATTEMPT: KvScript<number[]> = {
  name: 'login-throttle-count',
  lua: `
local function count(key)
  local value = redis.call('INCR', key)
  if value == 1 or redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[1]) end
  return value
end
local client = count(KEYS[1])
if client > tonumber(ARGV[2]) then return { ${CLIENT_LOCKED}, client, redis.call('PTTL', KEYS[1]) } end
local account = count(KEYS[2])
if account > tonumber(ARGV[3]) then return { ${ACCOUNT_LOCKED}, account, redis.call('PTTL', KEYS[2]) } end
return { ${ATTEMPT_ALLOWED}, account, 0 }`,
  local(tx, [clientKey, accountKey], [windowMs, clientLimit, accountLimit]) {
    const client = countLocally(tx, clientKey, Number(windowMs));
    if (client.value > Number(clientLimit)) return [CLIENT_LOCKED, client.value, client.ttlMs];
    const account = countLocally(tx, accountKey, Number(windowMs));
    if (account.value > Number(accountLimit)) return [ACCOUNT_LOCKED, account.value, account.ttlMs];
    return [ATTEMPT_ALLOWED, account.value, 0];
  },
};

/**
 * A check succeeded. KEYS: the (account, client) counter, the account counter. The client's
 * count starts again; the account counter gives back the one attempt, so the owner's own
 * logins never add up to a lockout, while other clients' failures stay counted.
 */
export const REFUND_ATTEMPT: KvScript<number> = {
  name: 'login-throttle-refund',
  lua: `
redis.call('DEL', KEYS[1])
local account = tonumber(redis.call('GET', KEYS[2]) or '0')
if account > 0 then redis.call('DECR', KEYS[2]) end
return 1`,
  local(tx, [clientKey, accountKey]) {
    tx.delete(clientKey);
    const account = Number(tx.get(accountKey) ?? '0');
    const remaining = tx.ttl(accountKey);
    if (account > 0 && remaining > 0) tx.set(accountKey, String(account - 1), remaining);
    return 1;
  },
};

function countLocally(
  tx: LocalKvTransaction,
  key: string,
  windowMs: number,
): { value: number; ttlMs: number } {
  const current = tx.get(key);
  const value = (current === null ? 0 : Number(current)) + 1;
  const remaining = tx.ttl(key);
  const ttlSeconds = current === null || remaining < 0 ? windowMs / 1000 : remaining;
  tx.set(key, String(value), ttlSeconds);
  return { value, ttlMs: Math.round(ttlSeconds * 1000) };
}
