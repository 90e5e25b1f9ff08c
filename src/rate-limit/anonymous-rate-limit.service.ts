import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RequestContext } from '../context/request-context';
import { KV_STORE, type KeyValueStore, KvUnavailableError } from '../kv/kv-store';
import { LOGGER } from '../logging/logger';
import { rateLimitClient } from '../security/client-address';
import { bucketArgs, RATE_LIMIT, verdictOf } from './gcra';
import { RateLimitKeys } from './rate-limit-keys';
import { admit } from './rate-limit-response';

/** At most one "limit not enforced" warning per this many ms while the store is down. */
const OUTAGE_WARNING_INTERVAL_MS = 60_000;

/**
 * The per-client bucket of requests that act for no organization: public routes, and requests
 * whose credential fails before it names one. One round trip of its own. When the key-value
 * store is down it fails open (logged): public routes such as login stay usable, and they keep
 * their own stricter limits, which fail closed.
 */
@Injectable()
export class AnonymousRateLimit {
  private lastWarningAt = 0;

  constructor(
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async check(): Promise<void> {
    const policy = this.config.rateLimits.ip;
    if (!policy) return;
    const client = rateLimitClient(RequestContext.current()?.ip ?? 'unknown');
    let result: number[];
    try {
      result = await this.kv.runScript(
        RATE_LIMIT,
        [RateLimitKeys.anonymousIp(client)],
        [Date.now(), ...bucketArgs([policy])],
      );
    } catch (error) {
      if (!(error instanceof KvUnavailableError)) throw error;
      this.warnOutage(error);
      return;
    }
    admit(verdictOf(result, [policy]));
  }

  private warnOutage(error: KvUnavailableError): void {
    const now = Date.now();
    if (now - this.lastWarningAt < OUTAGE_WARNING_INTERVAL_MS) return;
    this.lastWarningAt = now;
    this.logger.warn(
      { err: error },
      'key-value store unavailable: the per-IP limit of public routes is not enforced',
    );
  }
}
