import { Metrics, UNKNOWN_POLICY } from './metrics';

const metrics = () => new Metrics({ metrics: { enabled: false, host: '127.0.0.1', port: 0 } });

describe('Metrics.policyOf (the RateLimit-Policy header of a 429)', () => {
  it.each([
    ['"tenant";q=3000;w=60', 'tenant'],
    ['"ip";q=300;w=60, "tenant";q=3000;w=60', 'ip'],
    ['burst;q=100;w=10', 'burst'],
    [['"api-key";q=600;w=60'], 'api-key'],
  ])('reads the first policy name of %j', (header, name) => {
    expect(metrics().policyOf(header)).toBe(name);
  });

  it.each([
    [undefined],
    [''],
    ['"";q=1'],
    [';q=1'],
    ['"a b";q=1'],
    [`"${'x'.repeat(33)}";q=1`],
    [42],
  ])('answers "unknown" for %j', (header) => {
    expect(metrics().policyOf(header)).toBe(UNKNOWN_POLICY);
  });

  it('keeps at most 16 distinct names: later ones count as unknown', () => {
    const m = metrics();
    const names = Array.from({ length: 20 }, (_, i) => m.policyOf(`"p${i}";q=1;w=1`));
    expect(names.slice(0, 16)).toEqual(Array.from({ length: 16 }, (_, i) => `p${i}`));
    expect(names.slice(16)).toEqual(Array(4).fill(UNKNOWN_POLICY));
    expect(m.policyOf('"p3";q=1;w=1')).toBe('p3');
  });
});
