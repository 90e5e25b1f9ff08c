import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RequestContext } from '../../context/request-context';
import { KV_STORE, type KeyValueStore, toMilliseconds } from '../../kv/kv-store';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
import type { RatePolicy } from '../../rate-limit/rate-policy';
import { rateLimitClient } from '../../security/client-address';
import type { CanonicalEmail } from '../../security/email';
import { AuthKeys } from './auth-keys';
import {
  ACCOUNT_LOCKED,
  CLIENT_LOCKED,
  COUNT_ATTEMPT,
  REFUND_ATTEMPT,
} from './login-throttle.scripts';

/** Which lock an attempt just set off: one client's on the account, or the account's for everyone. */
export type Lock = 'client' | 'account';

interface Counters {
  client: string;
  account: string;
  /** Failures allowed on the account counter within the window. */
  accountLimit: number;
  /** The names the 429 gives the two counters (RateLimit-Policy). */
  names: { client: string; account: string };
}

/**
 * The one limiter of every credential check: tenant login, platform login and the current
 * password on change-password. Failures are counted per (account, client) with
 * LOGIN_MAX_FAILURES and per account with the much higher LOGIN_ACCOUNT_MAX_FAILURES; only the
 * latter locks the account for everyone, so a guesser at one address cannot lock the owner out.
 * A client is an IPv4 address or an IPv6 /64. Counters live in the key-value store, shared by
 * every instance, and an attempt is counted before the credential is checked, atomically:
 * parallel guesses cannot slip past either limit.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
  ) {}

  /** Counts requests per client, each kind apart; 429 with Retry-After past the limit. */
  async limitByIp(
    action: 'login' | 'register' | 'email-verify' | 'password-forgot' | 'password-reset',
  ): Promise<void> {
    const { value, ttlSeconds } = await this.kv.increment(
      AuthKeys.ipRate(action, this.client()),
      this.config.auth.ipRateWindowSeconds,
    );
    const { ipRateLimit, ipRateWindowSeconds } = this.config.auth;
    if (value > ipRateLimit)
      throw tooManyRequests(
        { name: 'auth-ip', limit: ipRateLimit, windowSeconds: ipRateWindowSeconds },
        ttlSeconds,
      );
  }

  /**
   * Counts one login attempt for an account (an email within an organization, or within the
   * platform). Throws 429 while either counter is past its limit; `onLocked` runs once per
   * lock, on the attempt that sets it off.
   */
  attemptLogin(
    scope: string,
    email: CanonicalEmail,
    onLocked?: (lock: Lock) => Promise<void>,
  ): Promise<void> {
    return this.attempt(this.loginCounters(scope, email), onLocked);
  }

  loginSucceeded(scope: string, email: CanonicalEmail): Promise<void> {
    return this.refund(this.loginCounters(scope, email));
  }

  /** Counts one check of a signed-in user's current password, so a stolen token cannot guess it. */
  attemptPasswordCheck(userId: string): Promise<void> {
    return this.attempt(this.passwordCheckCounters(userId));
  }

  passwordCheckSucceeded(userId: string): Promise<void> {
    return this.refund(this.passwordCheckCounters(userId));
  }

  private client(): string {
    return rateLimitClient(RequestContext.current()?.ip ?? 'unknown');
  }

  private loginCounters(scope: string, email: CanonicalEmail): Counters {
    return {
      client: AuthKeys.clientFailures(scope, email, this.client()),
      account: AuthKeys.accountFailures(scope, email),
      accountLimit: this.config.auth.loginAccountMaxFailures,
      names: { client: 'login-client', account: 'login-account' },
    };
  }

  private passwordCheckCounters(userId: string): Counters {
    return {
      client: AuthKeys.clientPasswordCheckFailures(userId, this.client()),
      account: AuthKeys.passwordCheckFailures(userId),
      // Only the bearer of the user's own token gets here, so nobody else can be locked out by
      // this counter: it keeps the strict limit, and a stolen token spread over many addresses
      // still gets no more than LOGIN_MAX_FAILURES guesses per window.
      accountLimit: this.config.auth.loginMaxFailures,
      names: { client: 'password-check-client', account: 'password-check' },
    };
  }

  private async attempt(
    counters: Counters,
    onLocked?: (lock: Lock) => Promise<void>,
  ): Promise<void> {
    const { loginMaxFailures, loginFailureWindowSeconds } = this.config.auth;
    const [verdict, value, ttlMs] = await this.kv.runScript(
      COUNT_ATTEMPT,
      [counters.client, counters.account],
      [toMilliseconds(loginFailureWindowSeconds), loginMaxFailures, counters.accountLimit],
    );
    if (verdict !== CLIENT_LOCKED && verdict !== ACCOUNT_LOCKED) return;
    const lock: Lock = verdict === CLIENT_LOCKED ? 'client' : 'account';
    const limit = lock === 'client' ? loginMaxFailures : counters.accountLimit;
    if (value === limit + 1 && onLocked) await onLocked(lock);
    const policy: RatePolicy = {
      name: counters.names[lock],
      limit,
      windowSeconds: loginFailureWindowSeconds,
    };
    throw tooManyRequests(policy, ttlMs / 1000);
  }

  private async refund(counters: Counters): Promise<void> {
    await this.kv.runScript(REFUND_ATTEMPT, [counters.client, counters.account], []);
  }
}
