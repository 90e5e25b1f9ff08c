import { AUDIT_VALUE_MAX_BYTES, boundAuditValues } from './audit-values';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('boundAuditValues', () => {
  it('keeps a value that fits exactly as it is', () => {
    const value = { name: 'Acme', settings: { locale: 'en-GB', seats: 3, beta: true } };
    expect(boundAuditValues(value)).toBe(value);
    expect(boundAuditValues(undefined)).toBeNull();
  });

  it('cuts long strings first, keeping every key and saying what was cut', () => {
    const bounded = boundAuditValues({
      name: 'Acme',
      settings: Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(1024)]),
      ),
    });
    expect(bytes(bounded)).toBeLessThanOrEqual(AUDIT_VALUE_MAX_BYTES);
    expect(bounded?.name).toBe('Acme');
    const settings = bounded?.settings as Record<string, string>;
    expect(Object.keys(settings)).toHaveLength(50);
    expect(settings.k0).toBe(`${'v'.repeat(256)}… (1024 chars)`);
    expect(bounded?._truncated).toEqual({
      originalBytes: expect.any(Number) as unknown,
      omittedKeys: 0,
    });
  });

  it('summarizes or leaves out whole keys when cutting strings is not enough', () => {
    const many = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`key-${i}-${'k'.repeat(80)}`, 'v'.repeat(300)]),
    );
    const bounded = boundAuditValues(many);
    expect(bytes(bounded)).toBeLessThanOrEqual(AUDIT_VALUE_MAX_BYTES);
    const note = bounded?._truncated as { originalBytes: number; omittedKeys: number };
    expect(note.originalBytes).toBe(bytes(many));
    expect(note.omittedKeys).toBeGreaterThan(0);
  });

  it('fits multi-byte text and deep structures as well', () => {
    const deep = {
      a: { b: { c: { d: { e: 'x'.repeat(100_000) } } } },
      emoji: `a${'💥'.repeat(50_000)}`,
    };
    const bounded = boundAuditValues(deep);
    expect(bytes(bounded)).toBeLessThanOrEqual(AUDIT_VALUE_MAX_BYTES);
    expect(bounded?.a).toEqual({ b: { c: '[object]' } });
    expect(bounded?.emoji).toBe(`a${'💥'.repeat(127)}… (100001 chars)`);
  });
});
