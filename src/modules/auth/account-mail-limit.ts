import { Inject, Injectable } from '@nestjs/common';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import type { RatePolicy } from '../../rate-limit/rate-policy';

/** Mails one user may cause per window: verification resends and email change requests alike. */
export const ACCOUNT_MAILS_PER_MINUTE = 1;
export const ACCOUNT_MAILS_PER_DAY = 5;

const MINUTE_POLICY: RatePolicy = {
  name: 'account-mail-minute',
  limit: ACCOUNT_MAILS_PER_MINUTE,
  windowSeconds: 60,
};
const DAY_POLICY: RatePolicy = {
  name: 'account-mail-day',
  limit: ACCOUNT_MAILS_PER_DAY,
  windowSeconds: 24 * 3600,
};

/** What the allowance is for; each kind has its own counters. */
export type AccountMailKind = 'verification' | 'email-change';

/** The key-value keys of the allowance (under REDIS_KEY_PREFIX; docs/authentication.md lists them). */
export const AccountMailKeys = {
  minute: (kind: AccountMailKind, userId: string) =>
    `system:auth:mail-limit:${kind}:${userId}:minute`,
  day: (kind: AccountMailKind, userId: string) => `system:auth:mail-limit:${kind}:${userId}:day`,
};

/**
 * At most one mail a minute and five a day per user and kind, counted in the key-value store
 * (shared by every instance), so neither a user nor a stolen session can flood a mailbox.
 */
@Injectable()
export class AccountMailLimit {
  constructor(@Inject(KV_STORE) private readonly kv: KeyValueStore) {}

  /** Takes one mail of the allowance; resolves to null, or to the exhausted policy and the wait. */
  async take(
    kind: AccountMailKind,
    userId: string,
  ): Promise<{ policy: RatePolicy; waitSeconds: number } | null> {
    const minute = await this.kv.increment(AccountMailKeys.minute(kind, userId), 60);
    if (minute.value > ACCOUNT_MAILS_PER_MINUTE)
      return { policy: MINUTE_POLICY, waitSeconds: Math.max(1, minute.ttlSeconds) };
    const day = await this.kv.increment(
      AccountMailKeys.day(kind, userId),
      DAY_POLICY.windowSeconds,
    );
    if (day.value > ACCOUNT_MAILS_PER_DAY)
      return { policy: DAY_POLICY, waitSeconds: Math.max(1, day.ttlSeconds) };
    return null;
  }
}
