import type { KeyValueStore } from '../kv/kv-store';
import { bucketArgs, RATE_LIMIT } from './gcra';
import { bucketPolicy, type BucketPolicy } from './rate-policy';

/** A step of a rate-limit sequence: at `at` ms, the request counted in `keys` (indexes into POLICIES). */
interface Step {
  at: number;
  buckets: number[];
}

const T0 = 1_800_000_000_000;
export const SEQUENCE_POLICIES: BucketPolicy[] = [
  bucketPolicy('ip', 3, 60) as BucketPolicy,
  bucketPolicy('tenant', 5, 60) as BucketPolicy,
  bucketPolicy('api-key', 7, 60) as BucketPolicy,
];

/**
 * A sequence that visits every edge: a burst up to a limit, the first refusal, the moment a
 * request is allowed again (one ms early, then exactly), a combined check refused by one bucket
 * that charges the other nothing, an interval that is not a whole number of ms (60 s / 7), and
 * a full refill.
 */
const STEPS: Step[] = [
  ...[0, 0, 0, 0].map((offset) => ({ at: T0 + offset, buckets: [0, 1] })),
  { at: T0 + 19_999, buckets: [0, 1] },
  { at: T0 + 20_000, buckets: [0, 1] },
  { at: T0 + 20_000, buckets: [1] },
  { at: T0 + 20_000, buckets: [0, 1] },
  { at: T0 + 20_000, buckets: [1] },
  { at: T0 + 20_000, buckets: [1] },
  ...[1, 2, 3, 4, 5, 6, 7, 8].map(() => ({ at: T0 + 30_000, buckets: [2] })),
  { at: T0 + 30_000 + 8_571, buckets: [2] },
  { at: T0 + 30_000 + 8_572, buckets: [2] },
  { at: T0 + 200_000, buckets: [0, 1, 2] },
];

/** Runs STEPS on `store` under `prefix` (one hash tag: one script); answers each step's raw result. */
export async function runRateLimitSequence(
  store: KeyValueStore,
  prefix: string,
): Promise<number[][]> {
  const results: number[][] = [];
  for (const step of STEPS) {
    const policies = step.buckets.map((index) => SEQUENCE_POLICIES[index]);
    results.push(
      await store.runScript(
        RATE_LIMIT,
        step.buckets.map((index) => `{${prefix}}:${SEQUENCE_POLICIES[index].name}`),
        [step.at, ...bucketArgs(policies)],
      ),
    );
  }
  return results;
}

/** What STEPS must answer, worked out by hand from the GCRA rules. */
export const EXPECTED_SEQUENCE: number[][] = [
  [0, 2, 20_000, 4, 12_000],
  [0, 1, 40_000, 3, 24_000],
  [0, 0, 60_000, 2, 36_000],
  // ip (3 a minute) refuses the fourth; one ms before its 20 s interval it still refuses.
  [1, 20_000],
  [1, 1],
  [0, 0, 60_000, 2, 28_000],
  [0, 1, 40_000],
  // ip refuses, so tenant is not charged: its last request below still fits.
  [1, 20_000],
  [0, 0, 52_000],
  [1, 4_000],
  // 7 a minute: an interval of 8,571,429 us, seven at once, then one 8.572 s later.
  [0, 6, 8_572],
  [0, 5, 17_143],
  [0, 4, 25_715],
  [0, 3, 34_286],
  [0, 2, 42_858],
  [0, 1, 51_429],
  [0, 0, 60_001],
  [1, 8_572],
  [1, 1],
  [0, 0, 60_000],
  [0, 2, 20_000, 4, 12_000, 6, 8_572],
];
