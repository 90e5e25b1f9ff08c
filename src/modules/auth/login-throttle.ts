import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RequestContext } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import { AuthKeys } from './auth-keys';

export function tooManyRequests(ttlSeconds: number): AppException {
  return new AppException(
    HttpStatus.TOO_MANY_REQUESTS,
    ErrorCode.TOO_MANY_REQUESTS,
    'Too many attempts; try again later',
    undefined,
    { 'retry-after': String(Math.max(1, Math.ceil(ttlSeconds))) },
  );
}

/**
 * The one limiter of every credential check: tenant login, platform login and the current
 * password on change-password. Counters live in the key-value store, so every instance shares
 * them. An attempt is counted before the credential is checked: parallel guesses cannot slip
 * past the limit.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
  ) {}

  /** Counts requests per client IP; 429 with Retry-After past the limit. */
  async limitByIp(action: 'login' | 'register'): Promise<void> {
    const ip = RequestContext.current()?.ip ?? 'unknown';
    const { value, ttlSeconds } = await this.kv.increment(
      AuthKeys.ipRate(action, ip),
      this.config.auth.ipRateWindowSeconds,
    );
    if (value > this.config.auth.ipRateLimit) throw tooManyRequests(ttlSeconds);
  }

  /**
   * Counts one login attempt for an account (an email within an organization, or within the
   * platform). Throws 429 once the account is locked; `onLocked` runs once, when it locks.
   */
  attemptLogin(scope: string, email: string, onLocked?: () => Promise<void>): Promise<void> {
    return this.attempt(AuthKeys.failedLogins(scope, email), onLocked);
  }

  async loginSucceeded(scope: string, email: string): Promise<void> {
    await this.kv.delete(AuthKeys.failedLogins(scope, email));
  }

  /** Counts one check of a signed-in user's current password, so a stolen token cannot guess it. */
  attemptPasswordCheck(userId: string): Promise<void> {
    return this.attempt(AuthKeys.failedPasswordChecks(userId));
  }

  async passwordCheckSucceeded(userId: string): Promise<void> {
    await this.kv.delete(AuthKeys.failedPasswordChecks(userId));
  }

  private async attempt(key: string, onLocked?: () => Promise<void>): Promise<void> {
    const limit = this.config.auth.loginMaxFailures;
    const { value, ttlSeconds } = await this.kv.increment(
      key,
      this.config.auth.loginFailureWindowSeconds,
    );
    if (value <= limit) return;
    if (value === limit + 1 && onLocked) await onLocked();
    throw tooManyRequests(ttlSeconds);
  }
}
