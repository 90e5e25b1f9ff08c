import { Inject, Injectable } from '@nestjs/common';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import type { CanonicalEmail } from '../../security/email';
import { AuthKeys } from './auth-keys';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
import type { RatePolicy } from '../../rate-limit/rate-policy';

/**
 * Counts public requests that name an email address (a password reset for it), per
 * organization and address, from every client together: one address cannot be flooded with
 * mail however many clients ask. Counted whether or not an account has the address, so the
 * limit answers alike for both.
 */
@Injectable()
export class EmailRateLimit {
  constructor(@Inject(KV_STORE) private readonly kv: KeyValueStore) {}

  /** 429 with Retry-After once `limit` requests were counted within the window. */
  async limit(
    action: string,
    scope: string,
    email: CanonicalEmail,
    rule: RatePolicy,
  ): Promise<void> {
    const { value, ttlSeconds } = await this.kv.increment(
      AuthKeys.emailRate(action, scope, email),
      rule.windowSeconds,
    );
    if (value > rule.limit) throw tooManyRequests(rule, ttlSeconds);
  }
}
