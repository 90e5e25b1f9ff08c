import { generateMulti } from 'cluster-key-slot';

export class CrossSlotError extends Error {
  constructor(keys: string[]) {
    super(`Keys of different Redis Cluster slots in one call: ${keys.join(', ')}`);
    this.name = 'CrossSlotError';
  }
}

/**
 * Redis Cluster runs a multi-key command or script only when all its keys hash to one slot,
 * which a key name decides by its first `{hash tag}`: `org:{42}:a` and `org:{42}:b` share one.
 * The adapters' prefix (REDIS_KEY_PREFIX) has no braces, so the tag of a logical key decides.
 * Both adapters check it, so a cross-slot call fails in every test run, not only on a cluster.
 * Refuses what a Redis Cluster would refuse with CROSSSLOT.
 */
export function assertOneSlot(keys: string[]): void {
  if (keys.length < 2) return;
  // Keys with one and the same tag share a slot without hashing: the hot path's case, every
  // request. Only other mixes pay for CRC16 (two different tags may still collide in a slot).
  const tag = hashTagOf(keys[0]);
  if (keys.every((key) => hashTagOf(key) === tag)) return;
  if (generateMulti(keys) === -1) throw new CrossSlotError(keys);
}

/** What Redis hashes for a key's slot: the text of its first non-empty `{...}`, else the whole key. */
function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
