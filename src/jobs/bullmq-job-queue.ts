import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { createRedisClient, type RedisClient, type RedisConnection } from '../kv/redis-connection';
import {
  assertJobRequest,
  type JobPayload,
  jobIdFor,
  JobQueueUnavailableError,
  type JobRequest,
  PermanentJobError,
} from './job';
import {
  BACKOFF_JITTER,
  COMPLETED_RETENTION_MS,
  type FailedJob,
  type JobCounts,
  type JobProcessor,
  type JobQueue,
  type JobQueueOptions,
} from './job-queue';

/** What BullMQ stores per job besides its name. */
interface JobData {
  organizationId: string;
  idempotencyKey: string;
  payload: JobPayload;
}

export interface BullMqJobQueueOptions extends JobQueueOptions {
  connection: RedisConnection;
  /** BullMQ's own key prefix (`{saas:jobs}`): the queue's keys never mix with the app's. */
  prefix: string;
  logger: Logger;
  /** Deadline of one producer call: a Redis that does not answer fails it instead of stalling. */
  commandTimeoutMs?: number;
  /**
   * A worker's lock on a running job (renewed at half of it), and the period of the check that
   * gives a job whose worker died (its lock expired) back to the queue. Unset: BullMQ's 30 s.
   */
  lockDurationMs?: number;
}

export const QUEUE_NAME = 'jobs';

/**
 * BullMQ used directly, not through @nestjs/bullmq: that package's value is registering queues
 * and @Processor classes as providers, while here one queue sits behind the JobQueue port (so
 * the embedded adapter can stand in), handlers are found by @JobHandler, and whether a process
 * runs a worker is decided at boot (WORKERS, the worker process), not by decorators.
 */
export class BullMqJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly durable = true;
  private readonly producer: RedisClient;
  private readonly queue: Queue<JobData>;
  private worker: Worker<JobData> | null = null;
  private workerConnection: RedisClient | null = null;

  constructor(private readonly options: BullMqJobQueueOptions) {
    this.producer = createRedisClient(options.connection, {
      // Fail fast, as the key-value store does: the outbox keeps the work while Redis is away.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      disconnectTimeout: 200,
    });
    this.producer.on('error', () => undefined);
    this.queue = new Queue<JobData>(QUEUE_NAME, {
      connection: this.producer,
      prefix: options.prefix,
    });
    this.queue.on('error', () => undefined);
  }

  /** Resolves once Redis answers; boot fails when it cannot be reached. */
  async connect(): Promise<void> {
    try {
      await this.guard(() => this.queue.waitUntilReady());
    } catch (error) {
      // Nothing may keep reconnecting in the background of a boot that failed.
      await this.close();
      throw error;
    }
  }

  async enqueue(request: JobRequest): Promise<{ id: string }> {
    assertJobRequest(request);
    const id = jobIdFor(request.idempotencyKey);
    // An existing job id makes BullMQ add nothing: the key's first job stays the only one.
    await this.guard(() =>
      this.queue.add(
        request.name,
        {
          organizationId: request.organizationId,
          idempotencyKey: request.idempotencyKey,
          payload: request.payload,
        },
        {
          jobId: id,
          delay: request.delayMs,
          attempts: this.options.maxAttempts,
          backoff: { type: 'exponential', delay: this.options.backoffMs, jitter: BACKOFF_JITTER },
          removeOnComplete: { age: COMPLETED_RETENTION_MS / 1000 },
          removeOnFail: false,
        },
      ),
    );
    return { id };
  }

  async listFailed(page: number, limit: number): Promise<{ items: FailedJob[]; total: number }> {
    const start = (page - 1) * limit;
    const [jobs, total] = await this.guard(() =>
      Promise.all([this.queue.getFailed(start, start + limit - 1), this.queue.getFailedCount()]),
    );
    return { items: jobs.filter(Boolean).map((job) => toFailedJob(job)), total };
  }

  async retryFailed(id: string): Promise<FailedJob | null> {
    return this.guard(async () => {
      const job = await this.queue.getJob(id);
      if (!job || (await job.getState()) !== 'failed') return null;
      const before = toFailedJob(job);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return before;
    });
  }

  async counts(): Promise<JobCounts> {
    const counts = await this.guard(() =>
      this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    );
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  async ping(): Promise<void> {
    await this.guard(() => this.producer.ping());
  }

  async startWorker(processor: JobProcessor): Promise<void> {
    if (this.worker) throw new Error('The worker is already started');
    // Blocking commands wait for jobs: BullMQ needs a connection that never gives up a command.
    this.workerConnection = createRedisClient(this.options.connection, {
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      disconnectTimeout: 200,
    });
    this.workerConnection.on('error', () => undefined);
    this.worker = new Worker<JobData>(
      QUEUE_NAME,
      async (job) => {
        try {
          await processor({
            id: job.id ?? '',
            name: job.name,
            organizationId: job.data.organizationId,
            idempotencyKey: job.data.idempotencyKey,
            payload: job.data.payload,
            attempt: job.attemptsMade + 1,
          });
        } catch (error) {
          // BullMQ's own marker for "do not retry".
          if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      {
        connection: this.workerConnection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency,
        // Spread only when set: an undefined option would replace BullMQ's own default.
        ...(this.options.lockDurationMs === undefined
          ? {}
          : {
              lockDuration: this.options.lockDurationMs,
              stalledInterval: this.options.lockDurationMs,
            }),
      },
    );
    this.worker.on('error', (error) =>
      this.options.logger.warn({ err: error }, 'job worker lost its connection to Redis'),
    );
    await this.worker.waitUntilReady();
  }

  async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    // Waits for the jobs in hand; a job cut short by a kill is found stalled and run again.
    await worker.close();
    this.workerConnection?.disconnect();
    this.workerConnection = null;
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.queue.close().catch(() => undefined);
    this.producer.disconnect();
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error('Redis did not answer in time')),
        this.options.commandTimeoutMs ?? 2000,
      );
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (error) {
      throw new JobQueueUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function toFailedJob(job: Job<JobData>): FailedJob {
  return {
    id: job.id ?? '',
    name: job.name,
    organizationId: job.data.organizationId,
    idempotencyKey: job.data.idempotencyKey,
    attempts: job.attemptsMade,
    lastError: job.failedReason ?? '',
    failedAt: new Date(job.finishedOn ?? job.timestamp),
    createdAt: new Date(job.timestamp),
  };
}
