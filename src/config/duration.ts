const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses `15m`, `3600s`, `12h`, `7d` or a plain number of seconds into seconds.
 * Returns null for anything else so the config schema can report it.
 */
export function parseDurationSeconds(raw: string): number | null {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!match) return null;
  const value = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/**
 * As parseDurationSeconds, in milliseconds, and also accepts `250ms`: job backoff and polling
 * are timed below a second in tests.
 */
export function parseDurationMs(raw: string): number | null {
  const millis = /^(\d+)ms$/.exec(raw.trim());
  if (millis) {
    const value = Number(millis[1]);
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  }
  const seconds = parseDurationSeconds(raw);
  return seconds === null ? null : seconds * 1000;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** Parses `1048576`, `512kb` or `1mb` into bytes. */
export function parseByteSize(raw: string): number | null {
  const match = /^(\d+)(b|kb|mb)?$/i.exec(raw.trim());
  if (!match) return null;
  const value = Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()];
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
