import type { ValueTransformer } from 'typeorm';

/**
 * Prices are exact decimals, DECIMAL(12,2) in the database, and strings everywhere in the
 * app ("19.99"): never a JS number, whose binary fractions cannot hold most cents exactly.
 * Up to 10 digits before the point and 2 after, as the column allows.
 */
export const PRICE_PATTERN = /^\d{1,10}(\.\d{1,2})?$/;
/** The longest text PRICE_PATTERN accepts: 10 digits, the point and 2 decimals. */
export const PRICE_MAX_LENGTH = 13;

export const PRICE_MESSAGE =
  'must be a decimal string with at most 10 digits before the point and 2 after, such as "19.99"';

/** The canonical form of a price matching PRICE_PATTERN: no leading zeros, two decimals ("007.5" gives "7.50"). */
export function normalizePrice(value: string): string {
  if (!PRICE_PATTERN.test(value)) throw new Error(`Not a price: ${JSON.stringify(value)}`);
  const [whole, fraction = ''] = value.split('.');
  return `${whole.replace(/^0+(?=\d)/, '')}.${fraction.padEnd(2, '0')}`;
}

/** The price in cents, for exact comparisons (BigInt: no float in between). */
export function priceToCents(value: string): bigint {
  const [whole, fraction] = normalizePrice(value).split('.');
  return BigInt(whole) * 100n + BigInt(fraction);
}

/**
 * MySQL returns DECIMAL as a string ("19.90", bigNumberStrings); SQLite stores it with
 * NUMERIC affinity and returns a number (19.9). Both come back as a two-decimal string. A
 * double holds 15 significant digits exactly, and DECIMAL(12,2) needs at most 12, so
 * toFixed(2) gives back exactly the decimal that was stored.
 */
export const priceTransformer: ValueTransformer = {
  to: (value: string | null | undefined) => value,
  from: (value: string | number | null): string | null => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number') return value.toFixed(2);
    // What DECIMAL(12,2) gives back on MySQL, every time: kept as it is, on each row of a list.
    if (value.length > 3 && value[value.length - 3] === '.') return value;
    const [whole, fraction = ''] = value.split('.');
    return `${whole}.${fraction.padEnd(2, '0')}`;
  },
};
