import type { KvScript, LocalKvTransaction } from '../kv/kv-store';
import type { BucketPolicy } from './rate-policy';

/*
 * GCRA (the generic cell rate algorithm, a token bucket that stores one number): each bucket
 * keeps its "theoretical arrival time" (TAT). A request moves it one `interval` (window /
 * limit) further; it is allowed while the TAT stays within `capacity` (limit x interval, the
 * window) of now. So `limit` requests may come at once, and after that one every `interval`.
 * Several buckets are checked together and written only when all allow the request: a refused
 * request consumes from none.
 *
 * Time is counted in whole microseconds, so every step is exact integer arithmetic in a double
 * (below 2^53 for centuries) and the Lua and local functions agree to the unit; both store the
 * TAT as its integer digits. Redis truncates Lua numbers to integers, so every returned number
 * is an integer already: milliseconds, rounded up.
 */

/**
 * Lua: `rate_limit(first_key, count, now_ms, first_arg)` checks KEYS[first_key .. +count-1],
 * with ARGV[first_arg + 2i] = interval (us) and ARGV[first_arg + 2i + 1] = capacity (us) of
 * bucket i. Returns {0, remaining_1, reset_ms_1, ...} when allowed (and written), or
 * {refusing bucket (1-based), retry_ms} when refused (nothing written).
 */
export const RATE_LIMIT_LUA = `
local function rate_limit(first_key, count, now_ms, first_arg)
  local now = now_ms * 1000
  local out = {0}
  local next_tats = {}
  for i = 0, count - 1 do
    local interval = tonumber(ARGV[first_arg + 2 * i])
    local capacity = tonumber(ARGV[first_arg + 2 * i + 1])
    local tat = tonumber(redis.call('GET', KEYS[first_key + i]) or '0')
    if tat < now then tat = now end
    tat = tat + interval
    local ahead = tat - now
    if ahead > capacity then return {i + 1, math.ceil((ahead - capacity) / 1000)} end
    next_tats[i + 1] = tat
    out[2 * i + 2] = math.floor((capacity - ahead) / interval)
    out[2 * i + 3] = math.ceil(ahead / 1000)
  end
  for i = 0, count - 1 do
    local tat = next_tats[i + 1]
    redis.call('SET', KEYS[first_key + i], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
  end
  return out
end`;

/** The local twin of RATE_LIMIT_LUA, on `keys` with `args` = interval, capacity (us) per bucket. */
export function rateLimitLocal(
  tx: LocalKvTransaction,
  keys: string[],
  nowMs: number,
  args: string[],
): number[] {
  const now = nowMs * 1000;
  const out = [0];
  const nextTats: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const interval = Number(args[2 * i]);
    const capacity = Number(args[2 * i + 1]);
    const tat = Math.max(Number(tx.get(keys[i]) ?? '0'), now) + interval;
    const ahead = tat - now;
    if (ahead > capacity) return [i + 1, Math.ceil((ahead - capacity) / 1000)];
    nextTats.push(tat);
    out.push(Math.floor((capacity - ahead) / interval), Math.ceil(ahead / 1000));
  }
  keys.forEach((key, i) =>
    tx.set(key, String(nextTats[i]), Math.ceil((nextTats[i] - now) / 1000) / 1000),
  );
  return out;
}

/** Checks the buckets of KEYS together. ARGV: now (ms), then interval and capacity (us) per bucket. */
export const RATE_LIMIT: KvScript<number[]> = {
  name: 'rate-limit',
  lua: `${RATE_LIMIT_LUA}
return rate_limit(1, #KEYS, tonumber(ARGV[1]), 2)`,
  local(tx, keys, [now, ...args]) {
    return rateLimitLocal(tx, keys, Number(now), args);
  },
};

/** The buckets one request is counted in, in the order the script checks them. */
export interface Buckets {
  keys: string[];
  policies: BucketPolicy[];
}

/** The script arguments of the buckets: interval and capacity (us) per bucket. */
export function bucketArgs(policies: readonly BucketPolicy[]): number[] {
  // A loop, not flatMap: this runs on every authenticated request, and flatMap's array per
  // policy showed in the profile.
  const args: number[] = [];
  for (const policy of policies) args.push(policy.intervalUs, policy.capacityUs);
  return args;
}

/** What the check decided, about the one policy the response headers report. */
export interface RateVerdict {
  policy: BucketPolicy;
  allowed: boolean;
  /** Requests left right after this one (0 when refused). */
  remaining: number;
  /** Allowed: ms until the bucket is full again. Refused: ms until a request is allowed. */
  resetMs: number;
}

/**
 * Reads a script result. Allowed: the policy with the fewest requests left (the one a client
 * will meet first), so a response carries one policy and its headers stay short. Refused: the
 * refusing policy. Null when no policy applies.
 */
export function verdictOf(result: number[], policies: readonly BucketPolicy[]): RateVerdict | null {
  if (policies.length === 0) return null;
  const refused = result[0];
  if (refused > 0)
    return { policy: policies[refused - 1], allowed: false, remaining: 0, resetMs: result[1] };
  let nearest = 0;
  for (let i = 1; i < policies.length; i++) {
    if (result[1 + 2 * i] < result[1 + 2 * nearest]) nearest = i;
  }
  return {
    policy: policies[nearest],
    allowed: true,
    remaining: result[1 + 2 * nearest],
    resetMs: result[2 + 2 * nearest],
  };
}
