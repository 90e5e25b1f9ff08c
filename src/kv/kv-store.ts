/**
 * The one small interface for everything that needs Redis. Keys are logical
 * (`org:{<orgId>}:auth:blacklist:<jti>`); adapters add the configured prefix. TTLs are in
 * seconds and may be fractional. Every call that names several keys (getMany, delete, a
 * script) must name keys of one Redis Cluster slot, by a shared `{hash tag}`: both adapters
 * refuse it otherwise (key-slot.ts), as a Redis Cluster would.
 */
export type ScriptValue = string | number | null | ScriptValue[];

/** The synchronous view of the in-process store a script's local implementation works on. */
export interface LocalKvTransaction {
  get(key: string): string | null;
  set(key: string, value: string, ttlSeconds?: number): void;
  delete(key: string): boolean;
  /** Remaining lifetime in seconds; -1 for no expiry, -2 when the key is missing (as Redis TTL). */
  ttl(key: string): number;
  expire(key: string, ttlSeconds: number): boolean;
  setAdd(key: string, members: string[]): number;
  setRemove(key: string, members: string[]): number;
  setMembers(key: string): string[];
  /** Sorted sets, as Redis ZADD / ZREM / ZREMRANGEBYSCORE -inf max / ZRANGE 0 -1 (by score, then member). */
  sortedAdd(key: string, score: number, member: string): number;
  sortedRemove(key: string, members: string[]): number;
  sortedRemoveUpTo(key: string, maxScore: number): number;
  sortedMembers(key: string): string[];
}

/**
 * An atomic operation with two implementations that must agree: Lua for Redis and a
 * synchronous function for the in-process store (atomic because it never awaits).
 * Both receive logical keys; the Redis adapter prefixes KEYS before running the Lua.
 */
export interface KvScript<R extends ScriptValue> {
  name: string;
  lua: string;
  local(tx: LocalKvTransaction, keys: string[], args: string[]): R;
}

export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  getMany(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Sets only when the key is absent; true when it was set. */
  setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean>;
  delete(...keys: string[]): Promise<number>;
  /** Increments a counter; the TTL is set when the counter is created (a fixed window). */
  increment(key: string, ttlSeconds: number): Promise<{ value: number; ttlSeconds: number }>;
  /** Remaining lifetime in seconds; -1 for no expiry, -2 when the key is missing. */
  ttl(key: string): Promise<number>;
  expire(key: string, ttlSeconds: number): Promise<boolean>;
  getAndDelete(key: string): Promise<string | null>;
  /** Replaces the value only if it is still `expected` (null: only if absent). */
  compareAndSet(
    key: string,
    expected: string | null,
    next: string,
    ttlSeconds?: number,
  ): Promise<boolean>;
  setAdd(key: string, members: string[], ttlSeconds?: number): Promise<number>;
  setRemove(key: string, members: string[]): Promise<number>;
  setMembers(key: string): Promise<string[]>;
  runScript<R extends ScriptValue>(
    script: KvScript<R>,
    keys: string[],
    args: (string | number)[],
  ): Promise<R>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the backing store cannot be reached; the HTTP layer answers 503. */
export class KvUnavailableError extends Error {
  constructor(cause: unknown, message = 'The key-value store is unavailable') {
    super(message, { cause });
    this.name = 'KvUnavailableError';
  }
}

export const KV_STORE = Symbol('KV_STORE');

export function toMilliseconds(ttlSeconds: number): number {
  return Math.max(1, Math.round(ttlSeconds * 1000));
}
