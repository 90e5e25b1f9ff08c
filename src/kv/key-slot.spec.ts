import { generateMulti } from 'cluster-key-slot';
import { assertOneSlot, CrossSlotError } from './key-slot';

// Each case is also put to cluster-key-slot (Redis' own slot rule), so the fast path of
// assertOneSlot can never accept what a Redis Cluster would refuse.
describe('assertOneSlot', () => {
  it.each([
    ['one tag', ['org:{42}:session:s', 'org:{42}:rl:tenant', 'org:{42}:auth:blacklist:j']],
    ['the first tag decides', ['{a}{b}:x', '{a}{c}:y']],
    ['the tag anywhere in the key', ['x{a}', 'y{a}z']],
    ['a single key', ['anything']],
  ])('accepts %s', (_case, keys) => {
    expect(generateMulti(keys)).not.toBe(-1);
    expect(() => assertOneSlot(keys)).not.toThrow();
  });

  it.each([
    ['two tags', ['org:{42}:session:s', 'org:{43}:rl:tenant']],
    ['an empty tag: the whole key is hashed', ['x{}a', 'x{}b']],
    ['an unclosed brace: the whole key is hashed', ['x{a', 'y{a']],
    ['untagged keys', ['system:auth:failed:a', 'system:auth:failed:b']],
  ])('refuses %s', (_case, keys) => {
    expect(generateMulti(keys)).toBe(-1);
    expect(() => assertOneSlot(keys)).toThrow(CrossSlotError);
  });
});
