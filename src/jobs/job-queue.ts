import type { JobContext, JobRequest } from './job';

/**
 * The job queue, behind which sit BullMQ (Redis) and an in-process adapter for the embedded
 * default. Both keep the same promises (src/jobs/job-queue.contract.ts runs against each):
 * one job per idempotency key, delays, retries with exponential backoff and jitter up to
 * `maxAttempts`, no retry after a PermanentJobError, and failed jobs kept with their last error
 * until retried.
 */
export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface FailedJob {
  id: string;
  name: string;
  organizationId: string;
  idempotencyKey: string;
  attempts: number;
  lastError: string;
  failedAt: Date;
  createdAt: Date;
}

export type JobProcessor = (job: JobContext) => Promise<void>;

export interface JobQueue {
  readonly kind: 'bullmq' | 'memory';
  /**
   * Whether a queued job outlives this process (BullMQ keeps it in Redis). The outbox relay marks
   * an event dispatched as soon as a durable queue has its job, but for a queue that is not
   * durable only once the job has settled, so a restart queues the unfinished ones again.
   */
  readonly durable: boolean;
  /** Queues that are not durable: `listener` hears the key of each job that completed or failed for good. */
  onSettled?(listener: (idempotencyKey: string) => void): void;
  /** Adds the job unless one with its idempotency key exists; the id is the same either way. */
  enqueue(request: JobRequest): Promise<{ id: string }>;
  /** Failed jobs, most recent failure first. */
  listFailed(page: number, limit: number): Promise<{ items: FailedJob[]; total: number }>;
  /** Queues a failed job again with a fresh set of attempts; null when no failed job has the id. */
  retryFailed(id: string): Promise<FailedJob | null>;
  counts(): Promise<JobCounts>;
  ping(): Promise<void>;
  /** Starts taking jobs and handing them to `processor`; once per queue. */
  startWorker(processor: JobProcessor): Promise<void>;
  /** Takes no new job and waits for the jobs in hand (BullMQ gives back what it cannot finish). */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export const JOB_QUEUE = Symbol('JOB_QUEUE');

export interface JobQueueOptions {
  maxAttempts: number;
  /** Wait before the second attempt; doubles with each further one. */
  backoffMs: number;
  /** Jobs one worker runs at once. */
  concurrency: number;
}

/** Share of each backoff that is random, so jobs failing together do not retry together. */
export const BACKOFF_JITTER = 0.2;

/** How long completed jobs are kept, so a key enqueued again within it still finds its job. */
export const COMPLETED_RETENTION_MS = 24 * 3600 * 1000;

/**
 * Wait after the given failed attempt (1-based): `backoffMs * 2^(attempt-1)`, less up to
 * BACKOFF_JITTER of it at random. The same formula as BullMQ's exponential backoff with jitter.
 */
export function backoffDelayMs(attempt: number, backoffMs: number, random = Math.random()): number {
  const max = backoffMs * 2 ** (attempt - 1);
  return Math.floor(max * (1 - BACKOFF_JITTER) + random * max * BACKOFF_JITTER);
}
