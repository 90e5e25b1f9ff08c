import type { KeyValueStore, KvScript } from './kv-store';

/**
 * The atomic half of the KeyValueStore contract (kv-store.contract.ts runs it): counters,
 * get-and-delete, compare-and-set and scripts, each also under concurrent callers. The
 * session store, the blacklist and the login limits rely on exactly these guarantees.
 */

/** Atomically moves a string value from KEYS[1] to KEYS[2] (ARGV[1]: TTL in ms, 0 = none). */
export const MOVE_VALUE: KvScript<string | null> = {
  name: 'contract-move-value',
  lua: `
local value = redis.call('GET', KEYS[1])
if not value then return false end
redis.call('DEL', KEYS[1])
if tonumber(ARGV[1]) > 0 then
  redis.call('SET', KEYS[2], value, 'PX', ARGV[1])
else
  redis.call('SET', KEYS[2], value)
end
return value`,
  local(tx, [from, to], [ttlMs]) {
    const value = tx.get(from);
    if (value === null) return null;
    tx.delete(from);
    const ttl = Number(ttlMs);
    tx.set(to, value, ttl > 0 ? ttl / 1000 : undefined);
    return value;
  },
};

/** Returns [number of keys that exist, the sum of ARGV]: checks array and number replies. */
export const COUNT_AND_SUM: KvScript<number[]> = {
  name: 'contract-count-and-sum',
  lua: `
local existing = 0
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then existing = existing + 1 end
end
local sum = 0
for _, value in ipairs(ARGV) do sum = sum + tonumber(value) end
return { existing, sum }`,
  local(tx, keys, args) {
    const existing = keys.filter((key) => tx.ttl(key) !== -2).length;
    return [existing, args.reduce((sum, value) => sum + Number(value), 0)];
  },
};

export function describeAtomicContract(
  store: () => KeyValueStore,
  key: (label: string) => string,
  pastShortTtl: { ttl: number; waitMs: number; sleep: (ms: number) => Promise<void> },
): void {
  const { ttl: SHORT_TTL, waitMs: PAST_SHORT_TTL_MS, sleep } = pastShortTtl;

  describe('increment', () => {
    it('creates the counter at 1 with the TTL of the window', async () => {
      const k = key('incr');
      const first = await store().increment(k, 0.3);
      expect(first.value).toBe(1);
      expect(first.ttlSeconds).toBeGreaterThan(0.2);
      expect(first.ttlSeconds).toBeLessThanOrEqual(0.3);
      expect(await store().get(k)).toBe('1');
    });

    it('keeps the window of the first increment and resets once it expired', async () => {
      const k = key('incr-window');
      await store().increment(k, 0.3);
      await sleep(100);
      // A later call with a longer TTL must not extend the fixed window.
      const second = await store().increment(k, 60);
      expect(second.value).toBe(2);
      expect(second.ttlSeconds).toBeGreaterThan(0);
      expect(second.ttlSeconds).toBeLessThanOrEqual(0.21);
      expect(await store().ttl(k)).toBeLessThanOrEqual(0.21);
      await sleep(300);
      expect(await store().get(k)).toBeNull();
      const fresh = await store().increment(k, 0.3);
      expect(fresh.value).toBe(1);
      expect(fresh.ttlSeconds).toBeGreaterThan(0.2);
    });

    it('gives a counter that has no TTL one', async () => {
      const k = key('incr-persistent');
      await store().set(k, '41');
      const next = await store().increment(k, 10);
      expect(next.value).toBe(42);
      expect(next.ttlSeconds).toBeGreaterThan(9);
      expect(await store().ttl(k)).toBeGreaterThan(9);
    });
  });

  describe('getAndDelete', () => {
    it('returns the value and removes the key', async () => {
      const k = key('getdel');
      await store().set(k, 'once');
      expect(await store().getAndDelete(k)).toBe('once');
      expect(await store().get(k)).toBeNull();
      expect(await store().getAndDelete(k)).toBeNull();
    });

    it('returns null for an expired key', async () => {
      const k = key('getdel-expired');
      await store().set(k, 'once', SHORT_TTL);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store().getAndDelete(k)).toBeNull();
    });

    it('hands a value to exactly one of many concurrent callers', async () => {
      const k = key('getdel-race');
      await store().set(k, 'token');
      const results = await Promise.all(Array.from({ length: 20 }, () => store().getAndDelete(k)));
      expect(results.filter((value) => value === 'token')).toHaveLength(1);
    });
  });

  describe('compareAndSet', () => {
    it('with null expected sets only when the key is absent', async () => {
      const k = key('cas-absent');
      expect(await store().compareAndSet(k, null, 'first')).toBe(true);
      expect(await store().get(k)).toBe('first');
      expect(await store().compareAndSet(k, null, 'second')).toBe(false);
      expect(await store().get(k)).toBe('first');
    });

    it('treats an expired key as absent', async () => {
      const k = key('cas-expired');
      await store().set(k, 'old', SHORT_TTL);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store().compareAndSet(k, null, 'new')).toBe(true);
      expect(await store().get(k)).toBe('new');
    });

    it('replaces a matching value and leaves a mismatching one alone', async () => {
      const k = key('cas');
      await store().set(k, 'v1');
      expect(await store().compareAndSet(k, 'v1', 'v2')).toBe(true);
      expect(await store().get(k)).toBe('v2');
      expect(await store().compareAndSet(k, 'v1', 'v3')).toBe(false);
      expect(await store().get(k)).toBe('v2');
      expect(await store().compareAndSet(key('cas-missing'), 'v1', 'v2')).toBe(false);
    });

    it('does not confuse an empty expected value with an absent key', async () => {
      const k = key('cas-empty');
      expect(await store().compareAndSet(k, '', 'x')).toBe(false);
      expect(await store().get(k)).toBeNull();
      await store().set(k, '');
      expect(await store().compareAndSet(k, '', 'x')).toBe(true);
      expect(await store().get(k)).toBe('x');
    });

    it('applies the TTL to the new value, and no TTL when none is given', async () => {
      const k = key('cas-ttl');
      expect(await store().compareAndSet(k, null, 'v1', SHORT_TTL)).toBe(true);
      const remaining = await store().ttl(k);
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(SHORT_TTL);
      expect(await store().compareAndSet(k, 'v1', 'v2')).toBe(true);
      expect(await store().ttl(k)).toBe(-1);
      expect(await store().compareAndSet(k, 'v2', 'v3', SHORT_TTL)).toBe(true);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store().get(k)).toBeNull();
    });

    it('lets exactly one of 50 concurrent callers with the same expected value win', async () => {
      const k = key('cas-race');
      await store().set(k, 'v0');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store().compareAndSet(k, 'v0', `winner-${i}`)),
      );
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await store().get(k)).toBe(`winner-${winners[0]}`);
    });
  });

  describe('runScript', () => {
    it('runs a script atomically with the same result on every adapter', async () => {
      const [from, to] = [key('move-from'), key('move-to')];
      await store().set(from, 'payload');
      expect(await store().runScript(MOVE_VALUE, [from, to], [0])).toBe('payload');
      expect(await store().getMany([from, to])).toEqual([null, 'payload']);
      expect(await store().ttl(to)).toBe(-1);
      expect(await store().runScript(MOVE_VALUE, [from, to], [0])).toBeNull();
    });

    it('passes arguments through, e.g. a TTL for the moved value', async () => {
      const [from, to] = [key('move-from'), key('move-to')];
      await store().set(from, 'payload');
      expect(await store().runScript(MOVE_VALUE, [from, to], [SHORT_TTL * 1000])).toBe('payload');
      expect(await store().ttl(to)).toBeGreaterThan(0);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store().get(to)).toBeNull();
    });

    it('returns arrays of numbers', async () => {
      const [a, b] = [key('count'), key('count')];
      await store().set(a, '1');
      expect(await store().runScript(COUNT_AND_SUM, [a, b], [1, '2', 39])).toEqual([1, 42]);
    });

    it('stays atomic under concurrency: one value moves exactly once', async () => {
      const [from, to] = [key('move-race'), key('move-race')];
      await store().set(from, 'payload');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store().runScript(MOVE_VALUE, [from, to], [0])),
      );
      expect(results.filter((value) => value === 'payload')).toHaveLength(1);
      expect(results.filter((value) => value === null)).toHaveLength(19);
      expect(await store().get(to)).toBe('payload');
    });
  });

  describe('concurrency', () => {
    it('counts 100 concurrent increments exactly, each caller seeing a distinct value', async () => {
      const k = key('incr-race');
      const results = await Promise.all(
        Array.from({ length: 100 }, () => store().increment(k, 10)),
      );
      expect(await store().get(k)).toBe('100');
      expect(results.map((result) => result.value).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    });
  });
}
