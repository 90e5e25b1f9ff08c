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
  if (keys.length > 1 && generateMulti(keys) === -1) throw new CrossSlotError(keys);
}
