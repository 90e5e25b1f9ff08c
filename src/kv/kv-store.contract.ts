import { randomBytes } from 'node:crypto';
import { CrossSlotError } from './key-slot';
import type { KeyValueStore } from './kv-store';
import { describeAtomicContract, MOVE_VALUE } from './kv-store.atomic.contract';
import { describeSortedSetContract } from './kv-store.sorted-set.contract';

/**
 * The behaviour every KeyValueStore adapter must share; each adapter's spec runs it. Plain
 * reads and writes, expiry and sets are here; counters, get-and-delete, compare-and-set and
 * scripts in kv-store.atomic.contract.ts; sorted sets in kv-store.sorted-set.contract.ts.
 * Timing-based cases use TTLs of a few hundred milliseconds at most so the suite stays fast.
 */

const SHORT_TTL = 0.2;
/** Comfortably past SHORT_TTL: Redis expiry has millisecond precision, timers can be late. */
const PAST_SHORT_TTL_MS = 320;

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export function describeKeyValueStoreContract(
  name: string,
  createStore: () => KeyValueStore | Promise<KeyValueStore>,
): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let store: KeyValueStore;
    // Unique per run, so parallel or aborted runs against a shared Redis never see each other's keys.
    // The run id is the keys' hash tag: cases that name several keys in one call may, on a cluster.
    const runId = `contract:{${Date.now().toString(36)}${randomBytes(4).toString('hex')}}`;
    let counter = 0;
    const key = (label: string): string => `${runId}:${label}:${(counter += 1)}`;

    beforeAll(async () => {
      store = await createStore();
    });

    afterAll(async () => {
      await store.close();
    });

    describe('get / set', () => {
      it('returns null for a missing key', async () => {
        expect(await store.get(key('missing'))).toBeNull();
      });

      it('stores and reads a value, overwriting on a second set', async () => {
        const k = key('value');
        await store.set(k, 'one');
        expect(await store.get(k)).toBe('one');
        await store.set(k, 'two');
        expect(await store.get(k)).toBe('two');
      });

      it('keeps empty strings and unicode intact', async () => {
        const empty = key('empty');
        const text = key('unicode');
        await store.set(empty, '');
        await store.set(text, 'zürich 東京 🚀');
        expect(await store.get(empty)).toBe('');
        expect(await store.get(text)).toBe('zürich 東京 🚀');
      });

      it('reads several keys at once, with null for the missing ones', async () => {
        const [a, b, c] = [key('many'), key('many'), key('many')];
        await store.set(a, 'A');
        await store.set(c, 'C');
        expect(await store.getMany([a, b, c])).toEqual(['A', null, 'C']);
        expect(await store.getMany([])).toEqual([]);
      });

      it('expires a value set with a TTL', async () => {
        const k = key('ttl');
        await store.set(k, 'short', SHORT_TTL);
        expect(await store.get(k)).toBe('short');
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(k)).toBeNull();
        expect(await store.getMany([k])).toEqual([null]);
      });

      it('drops the TTL when a key is set again without one (as Redis SET does)', async () => {
        const k = key('ttl-cleared');
        await store.set(k, 'short', SHORT_TTL);
        await store.set(k, 'forever');
        expect(await store.ttl(k)).toBe(-1);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(k)).toBe('forever');
      });
    });

    describe('setIfAbsent', () => {
      it('sets only the first time and leaves the value alone afterwards', async () => {
        const k = key('nx');
        expect(await store.setIfAbsent(k, 'first')).toBe(true);
        expect(await store.setIfAbsent(k, 'second')).toBe(false);
        expect(await store.get(k)).toBe('first');
      });

      it('sets again once the previous value has expired', async () => {
        const k = key('nx-ttl');
        expect(await store.setIfAbsent(k, 'first', SHORT_TTL)).toBe(true);
        expect(await store.ttl(k)).toBeGreaterThan(0);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.setIfAbsent(k, 'second')).toBe(true);
        expect(await store.get(k)).toBe('second');
      });
    });

    describe('delete', () => {
      it('deletes several keys and counts only those that existed', async () => {
        const [a, b, missing] = [key('del'), key('del'), key('del')];
        await store.set(a, '1');
        await store.set(b, '2');
        expect(await store.delete(a, b, missing)).toBe(2);
        expect(await store.getMany([a, b])).toEqual([null, null]);
        expect(await store.delete(a)).toBe(0);
        expect(await store.delete()).toBe(0);
      });

      it('does not count an expired key', async () => {
        const k = key('del-expired');
        await store.set(k, '1', SHORT_TTL);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.delete(k)).toBe(0);
      });

      it('deletes sets too', async () => {
        const k = key('del-set');
        await store.setAdd(k, ['a']);
        expect(await store.delete(k)).toBe(1);
        expect(await store.setMembers(k)).toEqual([]);
      });
    });

    describe('ttl / expire', () => {
      it('reports -2 for a missing key, -1 for a persistent one and the remaining seconds otherwise', async () => {
        const persistent = key('ttl');
        const expiring = key('ttl');
        await store.set(persistent, 'x');
        await store.set(expiring, 'x', 10);
        expect(await store.ttl(key('ttl-missing'))).toBe(-2);
        expect(await store.ttl(persistent)).toBe(-1);
        const remaining = await store.ttl(expiring);
        expect(remaining).toBeGreaterThan(9);
        expect(remaining).toBeLessThanOrEqual(10);
      });

      it('reports -2 once a key has expired', async () => {
        const k = key('ttl-expired');
        await store.set(k, 'x', SHORT_TTL);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.ttl(k)).toBe(-2);
      });

      it('puts a TTL on an existing key and reports false for a missing one', async () => {
        const k = key('expire');
        await store.set(k, 'x');
        expect(await store.expire(k, SHORT_TTL)).toBe(true);
        const remaining = await store.ttl(k);
        expect(remaining).toBeGreaterThan(0);
        expect(remaining).toBeLessThanOrEqual(SHORT_TTL);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(k)).toBeNull();
        expect(await store.expire(k, 10)).toBe(false);
        expect(await store.ttl(k)).toBe(-2);
      });

      it('replaces an existing TTL', async () => {
        const k = key('expire-longer');
        await store.set(k, 'x', SHORT_TTL);
        expect(await store.expire(k, 10)).toBe(true);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.get(k)).toBe('x');
      });
    });

    describe('sets', () => {
      it('adds members, counting only new ones, and lists them', async () => {
        const k = key('set');
        expect(await store.setAdd(k, ['a', 'b'])).toBe(2);
        expect(await store.setAdd(k, ['b', 'c', 'c'])).toBe(1);
        expect((await store.setMembers(k)).sort()).toEqual(['a', 'b', 'c']);
      });

      it('lists no members for a missing key', async () => {
        expect(await store.setMembers(key('set-missing'))).toEqual([]);
      });

      it('removes members, counting only present ones, and drops the key when it empties', async () => {
        const k = key('set-remove');
        await store.setAdd(k, ['a', 'b']);
        expect(await store.setRemove(k, ['a', 'zzz'])).toBe(1);
        expect(await store.setMembers(k)).toEqual(['b']);
        expect(await store.setRemove(k, ['b'])).toBe(1);
        expect(await store.ttl(k)).toBe(-2);
        expect(await store.setRemove(k, ['b'])).toBe(0);
        expect(await store.setRemove(key('set-remove-missing'), ['a'])).toBe(0);
      });

      it('creates nothing when adding no members', async () => {
        const k = key('set-empty');
        expect(await store.setAdd(k, [], 10)).toBe(0);
        expect(await store.ttl(k)).toBe(-2);
        expect(await store.setIfAbsent(k, 'x')).toBe(true);
      });

      it('applies a TTL given to setAdd', async () => {
        const k = key('set-ttl');
        await store.setAdd(k, ['a'], SHORT_TTL);
        const remaining = await store.ttl(k);
        expect(remaining).toBeGreaterThan(0);
        expect(remaining).toBeLessThanOrEqual(SHORT_TTL);
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.setMembers(k)).toEqual([]);
        expect(await store.ttl(k)).toBe(-2);
      });

      it('keeps a set persistent when setAdd gets no TTL', async () => {
        const k = key('set-persistent');
        await store.setAdd(k, ['a']);
        expect(await store.ttl(k)).toBe(-1);
      });
    });

    const timing = { ttl: SHORT_TTL, waitMs: PAST_SHORT_TTL_MS, sleep };
    describeAtomicContract(() => store, key, timing);
    describeSortedSetContract(() => store, key, timing);

    it('refuses a call naming keys of different hash slots, as a Redis Cluster does, and changes nothing', async () => {
      // A key's first {tag} decides its slot; these two tags hash to different slots.
      const [mine, theirs] = ['{slot-a}', '{slot-b}'].map((tag) => `${tag}:${key('slot')}`);
      await store.set(mine, 'kept');
      for (const call of [
        () => store.getMany([mine, theirs]),
        () => store.delete(mine, theirs),
        () => store.runScript(MOVE_VALUE, [mine, theirs], [0]),
      ])
        await expect(call()).rejects.toBeInstanceOf(CrossSlotError);
      expect(await store.get(mine)).toBe('kept');
      expect(await store.get(theirs)).toBeNull();
      await store.delete(mine);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
