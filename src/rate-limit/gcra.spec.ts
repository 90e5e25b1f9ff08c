import { MemoryKeyValueStore } from '../kv/memory-kv-store';
import { bucketArgs, RATE_LIMIT, verdictOf } from './gcra';
import { EXPECTED_SEQUENCE, runRateLimitSequence, SEQUENCE_POLICIES } from './gcra.contract';
import { bucketPolicy, type BucketPolicy } from './rate-policy';
import { rateLimitHeaders, tooManyRequests } from './rate-limit-response';

describe('GCRA rate limit, local implementation', () => {
  let now: number;
  let store: MemoryKeyValueStore;

  beforeEach(() => {
    now = 1_800_000_000_000;
    store = new MemoryKeyValueStore(() => now);
  });

  it('answers the hand-worked sequence: bursts, refusals, window edges, refills', async () => {
    expect(await runRateLimitSequence(store, 'seq')).toEqual(EXPECTED_SEQUENCE);
  });

  it('lets a bucket expire once it is full again, so idle clients cost no memory', async () => {
    const policy = bucketPolicy('ip', 2, 10) as BucketPolicy;
    await store.runScript(RATE_LIMIT, ['k'], [now, ...bucketArgs([policy])]);
    expect(await store.ttl('k')).toBe(5);
    now += 5_000;
    expect(await store.get('k')).toBeNull();
  });

  it('allows exactly the limit over any window at a steady rate', async () => {
    const policy = bucketPolicy('tenant', 30, 60) as BucketPolicy;
    let allowed = 0;
    const start = now;
    // One request every 100 ms for two minutes, both ends included: a burst of 30, then one every 2 s.
    for (; now <= start + 120_000; now += 100) {
      const [refused] = await store.runScript(RATE_LIMIT, ['k'], [now, ...bucketArgs([policy])]);
      if (refused === 0) allowed++;
    }
    expect(allowed).toBe(30 + 60);
  });
});

describe('verdictOf and the headers', () => {
  const [ip, tenant] = SEQUENCE_POLICIES;

  it('reports the policy with the fewest requests left when allowed', () => {
    expect(verdictOf([0, 2, 20_000, 1, 12_000], [ip, tenant])).toEqual({
      policy: tenant,
      allowed: true,
      remaining: 1,
      resetMs: 12_000,
    });
    expect(verdictOf([0, 1, 40_000, 1, 12_000], [ip, tenant])?.policy).toBe(ip);
  });

  it('reports the refusing policy when refused, and nothing without policies', () => {
    expect(verdictOf([2, 1_500], [ip, tenant])).toEqual({
      policy: tenant,
      allowed: false,
      remaining: 0,
      resetMs: 1_500,
    });
    expect(verdictOf([0], [])).toBeNull();
  });

  it('writes the structured-field headers of the draft, in whole seconds rounded up', () => {
    expect(rateLimitHeaders({ policy: ip, allowed: true, remaining: 2, resetMs: 20_001 })).toEqual({
      'ratelimit-policy': '"ip";q=3;w=60',
      ratelimit: '"ip";r=2;t=21',
    });
    expect(
      tooManyRequests({ name: 'login-client', limit: 5, windowSeconds: 900 }, 0.2),
    ).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      headers: {
        'retry-after': '1',
        'ratelimit-policy': '"login-client";q=5;w=900',
        ratelimit: '"login-client";r=0;t=1',
      },
    });
  });
});
