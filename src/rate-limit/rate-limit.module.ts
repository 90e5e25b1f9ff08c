import { Global, Module } from '@nestjs/common';
import { AnonymousRateLimit } from './anonymous-rate-limit.service';

/** The anonymous per-client limit, for the access guard; the tenant buckets ride in the session and API key scripts. */
@Global()
@Module({ providers: [AnonymousRateLimit], exports: [AnonymousRateLimit] })
export class RateLimitModule {}
