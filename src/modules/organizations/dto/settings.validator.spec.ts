import { SETTINGS_LIMITS, settingsProblem } from './settings.validator';

describe('settingsProblem', () => {
  it('accepts flat strings, finite numbers and booleans within the limits', () => {
    expect(settingsProblem({})).toBeNull();
    expect(
      settingsProblem({
        locale: 'en-GB',
        'billing.seats': 25,
        beta_features: false,
        [`k${'x'.repeat(63)}`]: 'y'.repeat(SETTINGS_LIMITS.maxStringLength),
      }),
    ).toBeNull();
  });

  it.each<[string, unknown, RegExp]>([
    ['null', null, /must be an object/],
    ['an array', [], /must be an object/],
    ['a string', 'x', /must be an object/],
    ['a nested object', { a: { b: 1 } }, /settings\.a must be a string, a number or a boolean/],
    ['an array value', { a: [1] }, /settings\.a must be/],
    ['a null value', { a: null }, /settings\.a must be/],
    ['Infinity', { a: Infinity }, /finite/],
    [
      '51 keys',
      Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 1])),
      /at most 50 keys/,
    ],
    ['a 65-character key', { ['k'.repeat(65)]: 1 }, /key "k+"/],
    ['a key starting with a dot', { '.hidden': 1 }, /key ".hidden"/],
    ['a 1025-character string', { a: 'x'.repeat(1025) }, /at most 1024 characters/],
    [
      '17 KiB of values',
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'x'.repeat(1000)])),
      /at most 16384 bytes/,
    ],
  ])('refuses %s', (_what, value, message) => {
    expect(settingsProblem(value)).toMatch(message);
  });
});
