import type { KeyValueStore, KvScript } from './kv-store';

/**
 * Sorted sets exist for scripts only (the port has no sorted-set methods): this script exposes one
 * operation per call, so the contract can compare Redis and the in-process transaction step by step.
 * ARGV[1]: add (score, member) | remove (members...) | remove-up-to (max score) | members.
 */
export const SORTED_SET_OP: KvScript<number | string[]> = {
  name: 'contract-sorted-set-op',
  lua: `
local op = ARGV[1]
if op == 'add' then return redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) end
if op == 'remove' then return redis.call('ZREM', KEYS[1], unpack(ARGV, 2)) end
if op == 'remove-up-to' then return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2]) end
return redis.call('ZRANGE', KEYS[1], 0, -1)`,
  local(tx, [key], [op, ...rest]) {
    if (op === 'add') return tx.sortedAdd(key, Number(rest[0]), rest[1]);
    if (op === 'remove') return tx.sortedRemove(key, rest);
    if (op === 'remove-up-to') return tx.sortedRemoveUpTo(key, Number(rest[0]));
    return tx.sortedMembers(key);
  },
};

export function describeSortedSetContract(
  store: () => KeyValueStore,
  key: (label: string) => string,
  pastShortTtl: { ttl: number; waitMs: number; sleep: (ms: number) => Promise<void> },
): void {
  const op = (k: string, ...args: (string | number)[]) =>
    store().runScript(SORTED_SET_OP, [k], args);

  describe('sorted sets (in scripts)', () => {
    it('orders members by score, then by member, and counts only new members on add', async () => {
      const k = key('zset');
      expect(await op(k, 'add', 30, 'c')).toBe(1);
      expect(await op(k, 'add', 10, 'b')).toBe(1);
      expect(await op(k, 'add', 10, 'a')).toBe(1);
      expect(await op(k, 'add', 5, 'c')).toBe(0);
      expect(await op(k, 'members')).toEqual(['c', 'a', 'b']);
    });

    it('removes members by name and by score, and drops the key once it is empty', async () => {
      const k = key('zset-remove');
      await op(k, 'add', 1000, 'old');
      await op(k, 'add', 2000, 'edge');
      await op(k, 'add', 3000, 'new');
      expect(await op(k, 'remove-up-to', 2000)).toBe(2);
      expect(await op(k, 'members')).toEqual(['new']);
      expect(await op(k, 'remove', 'missing', 'new')).toBe(1);
      expect(await store().ttl(k)).toBe(-2);
      expect(await op(k, 'members')).toEqual([]);
      expect(await op(k, 'remove-up-to', 10)).toBe(0);
    });

    it('expires like any other key and can be deleted through the port', async () => {
      const [expiring, deleted] = [key('zset-ttl'), key('zset-delete')];
      await op(expiring, 'add', 1, 'a');
      expect(await store().ttl(expiring)).toBe(-1);
      expect(await store().expire(expiring, pastShortTtl.ttl)).toBe(true);
      await pastShortTtl.sleep(pastShortTtl.waitMs);
      expect(await op(expiring, 'members')).toEqual([]);
      await op(deleted, 'add', 1, 'a');
      expect(await store().delete(deleted)).toBe(1);
      expect(await op(deleted, 'members')).toEqual([]);
    });
  });
}
