import { createHash } from 'node:crypto';

/** A job's payload: plain JSON, so every adapter stores it as it is. Never a raw secret. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JobPayload = { [key: string]: JsonValue };

export interface JobRequest<P extends JobPayload = JobPayload> {
  /** What to do, e.g. `mail.password-reset`: the name a @JobHandler registers. */
  name: string;
  /** Required: the worker acts as this tenant, and refuses a job without one. */
  organizationId: string;
  payload: P;
  /** One job per key: enqueueing the same key again adds nothing (e.g. `outbox:<eventId>`). */
  idempotencyKey: string;
  delayMs?: number;
}

export interface JobContext<P extends JobPayload = JobPayload> {
  id: string;
  name: string;
  organizationId: string;
  payload: P;
  idempotencyKey: string;
  /** 1 on the first run, counting every retry. */
  attempt: number;
}

/** Thrown by a handler (or the runner) for a job that can never succeed: no retry. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** The queue could not take or report jobs (Redis down): the caller keeps its work and retries. */
export class JobQueueUnavailableError extends Error {
  constructor(cause: unknown, message = 'The job queue is unavailable') {
    super(message, { cause });
    this.name = 'JobQueueUnavailableError';
  }
}

/** Namespace of job ids (a fixed random UUID): ids are version-5 UUIDs of the idempotency key. */
const JOB_ID_NAMESPACE = Buffer.from('6f1c2d4e8a9b4c3d9e7f0a1b2c3d4e5f', 'hex');

/**
 * The job's id, derived from its idempotency key, so that both adapters dedupe by the id alone
 * and the id is a UUID the platform routes can validate (BullMQ refuses `:` in ids).
 */
export function jobIdFor(idempotencyKey: string): string {
  const bytes = createHash('sha1')
    .update(JOB_ID_NAMESPACE)
    .update(idempotencyKey, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Checks a request before any adapter sees it: a job without a tenant is never queued. */
export function assertJobRequest(request: JobRequest): void {
  if (!request.name?.trim()) throw new Error('A job needs a name');
  if (!request.organizationId?.trim())
    throw new Error(`Job ${request.name} has no organization: jobs always run as a tenant`);
  if (!request.idempotencyKey?.trim())
    throw new Error(`Job ${request.name} has no idempotency key`);
  if (request.delayMs !== undefined && !(request.delayMs >= 0))
    throw new Error(`Job ${request.name} has a negative delay`);
}
