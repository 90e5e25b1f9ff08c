import { HttpStatus } from '@nestjs/common';
import { RequestContext } from '../context/request-context';
import { AppException } from '../http/app-exception';
import { ErrorCode } from '../http/error-codes';
import type { RateVerdict } from './gcra';
import { policyHeader, type RatePolicy } from './rate-policy';

/** Header names as Fastify stores them (lower case); RateLimit-Policy / RateLimit of the IETF draft. */
export const RATE_LIMIT_HEADER = 'ratelimit';
export const RATE_LIMIT_POLICY_HEADER = 'ratelimit-policy';

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** `RateLimit-Policy` and `RateLimit` of a general policy's verdict. */
export function rateLimitHeaders(verdict: RateVerdict): Record<string, string> {
  return {
    [RATE_LIMIT_POLICY_HEADER]: verdict.policy.header,
    [RATE_LIMIT_HEADER]: `"${verdict.policy.name}";r=${verdict.remaining};t=${seconds(verdict.resetMs)}`,
  };
}

/**
 * The 429 of every limiter: the standard envelope, Retry-After, and the RateLimit headers that
 * name the refusing policy (the metrics label rejections by it).
 */
export function tooManyRequests(
  policy: RatePolicy,
  retryAfterSeconds: number,
  message = 'Too many attempts; try again later',
): AppException {
  const wait = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppException(
    HttpStatus.TOO_MANY_REQUESTS,
    ErrorCode.TOO_MANY_REQUESTS,
    message,
    undefined,
    {
      'retry-after': String(wait),
      [RATE_LIMIT_POLICY_HEADER]: policyHeader(policy),
      [RATE_LIMIT_HEADER]: `"${policy.name}";r=0;t=${wait}`,
    },
  );
}

/**
 * Applies a general limit's verdict to the current request: remembered in the request context
 * (the access guard writes its headers on the response), and 429 when refused.
 */
export function admit(verdict: RateVerdict | null): void {
  if (!verdict) return;
  const store = RequestContext.current();
  if (store) store.rateLimit = verdict;
  if (!verdict.allowed)
    throw tooManyRequests(
      verdict.policy,
      verdict.resetMs / 1000,
      'Too many requests; try again later',
    );
}
