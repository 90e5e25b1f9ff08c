import { normalizePrice, PRICE_PATTERN, priceToCents, priceTransformer } from './price';

describe('prices', () => {
  it.each(['0', '0.1', '0.10', '19.99', '9999999999.99', '0000000001.5'])('accepts %j', (value) => {
    expect(PRICE_PATTERN.test(value)).toBe(true);
  });

  it.each(['', '-1', '1.', '.5', '1.999', '12345678901', '1e3', ' 1', '1,00', '0x10', 'NaN', '１'])(
    'refuses %j',
    (value) => {
      expect(PRICE_PATTERN.test(value)).toBe(false);
    },
  );

  it.each([
    ['0', '0.00'],
    ['7', '7.00'],
    ['0.3', '0.30'],
    ['007.5', '7.50'],
    ['0000000000.01', '0.01'],
    ['12345678.99', '12345678.99'],
  ])('normalizes %j to %j', (value, normalized) => {
    expect(normalizePrice(value)).toBe(normalized);
  });

  it('compares in exact cents', () => {
    expect(priceToCents('0.10')).toBe(10n);
    expect(priceToCents('9999999999.99')).toBe(999999999999n);
    expect(priceToCents('20') > priceToCents('19.99')).toBe(true);
    expect(() => priceToCents('1.999')).toThrow();
  });

  it('reads MySQL strings and SQLite numbers back as the same two-decimal string', () => {
    expect(priceTransformer.from('19.90')).toBe('19.90');
    expect(priceTransformer.from('0.05')).toBe('0.05');
    expect(priceTransformer.from('19.9')).toBe('19.90');
    expect(priceTransformer.from('19')).toBe('19.00');
    expect(priceTransformer.from(19.9)).toBe('19.90');
    expect(priceTransformer.from(0.1)).toBe('0.10');
    expect(priceTransformer.from(null)).toBeNull();
    // Every cent of the largest prices survives the double SQLite hands back.
    for (const cents of [999999999999n, 999999999901n, 123456789999n, 1n, 10n]) {
      const text = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
      expect(priceTransformer.from(Number(text))).toBe(text);
    }
  });
});
