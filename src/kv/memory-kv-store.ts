import {
  type KeyValueStore,
  type KvScript,
  type LocalKvTransaction,
  type ScriptValue,
  toMilliseconds,
} from './kv-store';
import { assertOneSlot } from './key-slot';
import { COMPARE_AND_SET, INCREMENT_WITH_TTL } from './scripts';

interface Entry {
  /** A string, a set, or a sorted set (member to score). */
  value: string | Set<string> | Map<string, number>;
  expiresAt: number | null;
}

const SWEEP_INTERVAL_MS = 30_000;

/**
 * In-process store for the embedded single-instance mode. Every operation runs
 * synchronously inside one call, which makes each of them atomic on Node's event loop.
 */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  private readonly tx: LocalKvTransaction = {
    get: (key) => {
      const entry = this.live(key);
      return entry && typeof entry.value === 'string' ? entry.value : null;
    },
    set: (key, value, ttlSeconds) => {
      this.entries.set(key, { value, expiresAt: this.expiry(ttlSeconds) });
    },
    delete: (key) => this.live(key) !== undefined && this.entries.delete(key),
    ttl: (key) => {
      const entry = this.live(key);
      if (!entry) return -2;
      return entry.expiresAt === null ? -1 : (entry.expiresAt - this.now()) / 1000;
    },
    expire: (key, ttlSeconds) => {
      const entry = this.live(key);
      if (!entry) return false;
      entry.expiresAt = this.expiry(ttlSeconds);
      return true;
    },
    setAdd: (key, members) => {
      // Redis never stores an empty set; an empty entry here would block setIfAbsent and never expire.
      if (members.length === 0) return 0;
      const set = this.setAt(key, true);
      const before = set.size;
      for (const member of members) set.add(member);
      return set.size - before;
    },
    setRemove: (key, members) => {
      const set = this.setAt(key, false);
      if (!set) return 0;
      let removed = 0;
      for (const member of members) if (set.delete(member)) removed += 1;
      if (set.size === 0) this.entries.delete(key);
      return removed;
    },
    setMembers: (key) => [...(this.setAt(key, false) ?? [])],
    sortedAdd: (key, score, member) => {
      const sorted = this.sortedAt(key, true);
      const added = sorted.has(member) ? 0 : 1;
      sorted.set(member, score);
      return added;
    },
    sortedRemove: (key, members) => this.removeSorted(key, (member) => members.includes(member)),
    sortedRemoveUpTo: (key, maxScore) => this.removeSorted(key, (_, score) => score <= maxScore),
    sortedMembers: (key) =>
      [...(this.sortedAt(key, false) ?? [])]
        .sort(([a, scoreA], [b, scoreB]) => scoreA - scoreB || (a < b ? -1 : a > b ? 1 : 0))
        .map(([member]) => member),
  };

  private removeSorted(key: string, doomed: (member: string, score: number) => boolean): number {
    const sorted = this.sortedAt(key, false);
    if (!sorted) return 0;
    let removed = 0;
    for (const [member, score] of sorted) {
      if (doomed(member, score) && sorted.delete(member)) removed += 1;
    }
    // Redis deletes a sorted set once it is empty.
    if (sorted.size === 0) this.entries.delete(key);
    return removed;
  }

  private sortedAt(key: string, create: true): Map<string, number>;
  private sortedAt(key: string, create: false): Map<string, number> | undefined;
  private sortedAt(key: string, create: boolean): Map<string, number> | undefined {
    const entry = this.live(key);
    if (entry) {
      if (!(entry.value instanceof Map))
        throw new TypeError(`Key ${key} does not hold a sorted set`);
      return entry.value;
    }
    if (!create) return undefined;
    const sorted = new Map<string, number>();
    this.entries.set(key, { value: sorted, expiresAt: null });
    return sorted;
  }

  private setAt(key: string, create: true): Set<string>;
  private setAt(key: string, create: false): Set<string> | undefined;
  private setAt(key: string, create: boolean): Set<string> | undefined {
    const entry = this.live(key);
    if (entry) {
      if (!(entry.value instanceof Set)) throw new TypeError(`Key ${key} does not hold a set`);
      return entry.value;
    }
    if (!create) return undefined;
    const set = new Set<string>();
    this.entries.set(key, { value: set, expiresAt: null });
    return set;
  }

  private expiry(ttlSeconds: number | undefined): number | null {
    return ttlSeconds === undefined ? null : this.now() + toMilliseconds(ttlSeconds);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const key of this.entries.keys()) this.live(key);
  }

  async get(key: string): Promise<string | null> {
    return this.tx.get(key);
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    assertOneSlot(keys);
    return keys.map((key) => this.tx.get(key));
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.tx.set(key, value, ttlSeconds);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.tx.set(key, value, ttlSeconds);
    return true;
  }

  async delete(...keys: string[]): Promise<number> {
    assertOneSlot(keys);
    return keys.filter((key) => this.tx.delete(key)).length;
  }

  async increment(key: string, ttlSeconds: number): Promise<{ value: number; ttlSeconds: number }> {
    const [value, ttlMs] = INCREMENT_WITH_TTL.local(
      this.tx,
      [key],
      [String(toMilliseconds(ttlSeconds))],
    );
    return { value, ttlSeconds: ttlMs / 1000 };
  }

  async ttl(key: string): Promise<number> {
    return this.tx.ttl(key);
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    return this.tx.expire(key, ttlSeconds);
  }

  async getAndDelete(key: string): Promise<string | null> {
    const value = this.tx.get(key);
    if (value !== null) this.entries.delete(key);
    return value;
  }

  async compareAndSet(
    key: string,
    expected: string | null,
    next: string,
    ttlSeconds?: number,
  ): Promise<boolean> {
    const ttlMs = ttlSeconds === undefined ? '0' : String(toMilliseconds(ttlSeconds));
    const args = [expected ?? '', next, ttlMs, expected === null ? '1' : '0'];
    return COMPARE_AND_SET.local(this.tx, [key], args) === 1;
  }

  async setAdd(key: string, members: string[], ttlSeconds?: number): Promise<number> {
    // Like the Redis adapter: adding nothing leaves an existing set's TTL alone too.
    if (members.length === 0) return 0;
    const added = this.tx.setAdd(key, members);
    if (ttlSeconds !== undefined) this.tx.expire(key, ttlSeconds);
    return added;
  }

  async setRemove(key: string, members: string[]): Promise<number> {
    return this.tx.setRemove(key, members);
  }

  async setMembers(key: string): Promise<string[]> {
    return this.tx.setMembers(key);
  }

  async runScript<R extends ScriptValue>(
    script: KvScript<R>,
    keys: string[],
    args: (string | number)[],
  ): Promise<R> {
    assertOneSlot(keys);
    return script.local(this.tx, keys, args.map(String));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
