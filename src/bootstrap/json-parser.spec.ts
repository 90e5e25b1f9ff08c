import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-parser';

const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('nestsDeeperThan', () => {
  it('allows exactly the limit and refuses one level more, for arrays, objects and a mix', () => {
    expect(nestsDeeperThan(arrays(64), 64)).toBe(false);
    expect(nestsDeeperThan(arrays(65), 64)).toBe(true);
    expect(nestsDeeperThan(objects(64), 64)).toBe(false);
    expect(nestsDeeperThan(objects(65), 64)).toBe(true);
    const mixed = (depth: number) =>
      Array.from({ length: depth }, (_, level) => (level % 2 ? '[' : '{"k":')).join('') +
      '0' +
      Array.from({ length: depth }, (_, level) => (level % 2 ? ']' : '}'))
        .reverse()
        .join('');
    expect(JSON.parse(mixed(65))).toBeDefined();
    expect(nestsDeeperThan(mixed(64), 64)).toBe(false);
    expect(nestsDeeperThan(mixed(65), 64)).toBe(true);
  });

  it('measures depth, not the number of containers', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '[{}]').join(',')}]`;
    expect(nestsDeeperThan(wide, 3)).toBe(false);
    expect(nestsDeeperThan(wide, 2)).toBe(true);
    expect(nestsDeeperThan('1', 0)).toBe(false);
    expect(nestsDeeperThan('"text"', 0)).toBe(false);
    expect(nestsDeeperThan('{}', 0)).toBe(true);
  });

  it('ignores brackets inside strings', () => {
    const text = JSON.stringify({ note: '['.repeat(1000) + '{'.repeat(1000) });
    expect(nestsDeeperThan(text, 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ [']]]{{{']: ['}}}', '[[['] }), 2)).toBe(false);
  });

  it('is not fooled by escaped quotes and backslashes inside strings', () => {
    // An escaped quote does not end the string, so the brackets after it are still text.
    const escapedQuote = JSON.stringify({ a: `"${'['.repeat(100)}` });
    expect(escapedQuote).toContain('\\"[[[');
    expect(nestsDeeperThan(escapedQuote, 1)).toBe(false);
    // An escaped backslash does end before the quote, so what follows is structure again.
    const escapedBackslash = `["\\\\",${arrays(5)}]`;
    expect(JSON.parse(escapedBackslash)).toEqual(['\\', [[[[[]]]]]]);
    expect(nestsDeeperThan(escapedBackslash, 5)).toBe(true);
    expect(nestsDeeperThan(escapedBackslash, 6)).toBe(false);
    // Unicode escapes of brackets are text too.
    expect(nestsDeeperThan(`["\\u005b\\u005b\\u005b"]`, 1)).toBe(false);
  });

  it('refuses 100k nested brackets, closed or not, without overflowing the stack', () => {
    expect(nestsDeeperThan(arrays(100_000), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan('['.repeat(100_000), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(objects(150_000), MAX_JSON_DEPTH)).toBe(true);
  });

  it('cannot be pushed below zero by stray closing brackets to hide deep nesting', () => {
    expect(nestsDeeperThan(']'.repeat(1000) + arrays(65), 64)).toBe(true);
  });
});
