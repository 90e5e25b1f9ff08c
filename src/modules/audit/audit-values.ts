import type { AuditValues } from './audit-log.entity';

/**
 * The most a before, after or metadata value may take once serialized, in UTF-8 bytes. Each is
 * stored in its own TEXT column (65,535 bytes on MySQL), so a bounded value always fits and an
 * audit insert can never fail on size, whatever was changed.
 */
export const AUDIT_VALUE_MAX_BYTES = 16_384;

/** Longer strings are cut to this many characters, with a note of how much was left out. */
const MAX_STRING_CHARS = 256;
/** Left free for the `_truncated` note added to a value that had to be shortened. */
const NOTE_BYTES = 128;

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

function clipString(value: string): string {
  if (value.length <= MAX_STRING_CHARS) return value;
  // Never split a surrogate pair: half an emoji is not text.
  const highSurrogate = /[\uD800-\uDBFF]/.test(value[MAX_STRING_CHARS - 1]);
  const cut = highSurrogate ? MAX_STRING_CHARS - 1 : MAX_STRING_CHARS;
  return `${value.slice(0, cut)}… (${value.length} chars)`;
}

function clip(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return clipString(value);
  if (value === null || typeof value !== 'object') return value;
  // Audited snapshots are shallow; anything deeper is summarized rather than walked.
  if (depth >= 3) return `[${Array.isArray(value) ? 'array' : 'object'}]`;
  if (Array.isArray(value)) return value.map((item) => clip(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, clip(item, depth + 1)]),
  );
}

/**
 * The value as it will be stored: unchanged when it fits AUDIT_VALUE_MAX_BYTES; otherwise long
 * strings are cut, then whole top-level keys are summarized or left out until it fits, and
 * `_truncated` records the original size and how many keys were left out.
 */
export function boundAuditValues(values: AuditValues | undefined): AuditValues | null {
  if (values === undefined) return null;
  const originalBytes = byteLength(values);
  if (originalBytes <= AUDIT_VALUE_MAX_BYTES) return values;
  const clipped = clip(values, 0) as AuditValues;
  const bounded: AuditValues = {};
  let used = 2; // the braces
  let omittedKeys = 0;
  for (const [key, value] of Object.entries(clipped)) {
    const name = key.length <= 64 ? key : `${key.slice(0, 64)}…`;
    let entry = value;
    let cost = byteLength({ [name]: entry });
    if (used + cost > AUDIT_VALUE_MAX_BYTES - NOTE_BYTES) {
      entry = `[${byteLength(value)} bytes]`;
      cost = byteLength({ [name]: entry });
    }
    if (used + cost > AUDIT_VALUE_MAX_BYTES - NOTE_BYTES) {
      omittedKeys += 1;
      continue;
    }
    bounded[name] = entry;
    used += cost;
  }
  bounded._truncated = { originalBytes, omittedKeys };
  return bounded;
}
