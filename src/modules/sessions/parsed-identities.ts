import type { CachedIdentity } from '../../context/identity';

/** Distinct identities kept parsed: about 2 KB each, so at most a few MB. */
const DEFAULT_CAPACITY = 1024;

/**
 * Every authenticated request reads its user's identity from the key-value store as JSON, and
 * parsing it (with the garbage it leaves) was a visible share of `/me` in the CPU profile. This
 * keeps the parsed form of recent identities keyed by their exact text, so a hit is what parsing
 * would have returned and can never be stale: a changed identity is a different key. Entries
 * are deeply frozen because concurrent requests share them. The oldest goes first when full.
 */
export class ParsedIdentities {
  private readonly byJson = new Map<string, CachedIdentity>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  parse(json: string): CachedIdentity {
    const known = this.byJson.get(json);
    if (known) return known;
    const identity = deepFreeze(JSON.parse(json) as CachedIdentity);
    if (this.byJson.size >= this.capacity) {
      const oldest = this.byJson.keys().next();
      if (!oldest.done) this.byJson.delete(oldest.value);
    }
    this.byJson.set(json, identity);
    return identity;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
