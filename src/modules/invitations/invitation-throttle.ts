import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RequestContext } from '../../context/request-context';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import { rateLimitClient } from '../../security/client-address';
import type { CanonicalEmail } from '../../security/email';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';

export type InvitationRoute = 'preview' | 'accept';

/** Preview and accept calls (together) allowed per invited address within AUTH_IP_RATE_WINDOW. */
export const INVITATION_EMAIL_RATE_LIMIT = 10;

/** The keys of this limiter (under REDIS_KEY_PREFIX); emails are hashed, as AuthKeys does. */
export const InvitationKeys = {
  ipRate: (route: InvitationRoute, client: string) =>
    `system:invitations:ratelimit:${route}:${client}`,
  emailRate: (organizationId: string, email: CanonicalEmail) =>
    `system:invitations:ratelimit:email:${organizationId}:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`,
};

/**
 * Fixed-window limits of the public invitation routes (preview, accept): per client (IPv4
 * address or IPv6 /64) with AUTH_IP_RATE_LIMIT for each route, as login and register are limited, and per
 * invited address, so that one link cannot be hammered from many addresses. 429 with
 * Retry-After past either limit.
 */
@Injectable()
export class InvitationThrottle {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
  ) {}

  limitByIp(route: InvitationRoute): Promise<void> {
    const client = rateLimitClient(RequestContext.current()?.ip ?? 'unknown');
    return this.count(
      InvitationKeys.ipRate(route, client),
      'invitation-ip',
      this.config.auth.ipRateLimit,
    );
  }

  limitByEmail(organizationId: string, email: CanonicalEmail): Promise<void> {
    return this.count(
      InvitationKeys.emailRate(organizationId, email),
      'invitation-email',
      INVITATION_EMAIL_RATE_LIMIT,
    );
  }

  private async count(key: string, name: string, limit: number): Promise<void> {
    const windowSeconds = this.config.auth.ipRateWindowSeconds;
    const { value, ttlSeconds } = await this.kv.increment(key, windowSeconds);
    if (value > limit) throw tooManyRequests({ name, limit, windowSeconds }, ttlSeconds);
  }
}
