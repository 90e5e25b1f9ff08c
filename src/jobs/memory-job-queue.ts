import {
  assertJobRequest,
  type JobContext,
  jobIdFor,
  PermanentJobError,
  type JobRequest,
} from './job';
import {
  backoffDelayMs,
  COMPLETED_RETENTION_MS,
  type FailedJob,
  type JobCounts,
  type JobProcessor,
  type JobQueue,
  type JobQueueOptions,
} from './job-queue';

type State = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

interface StoredJob {
  context: Omit<JobContext, 'attempt'>;
  state: State;
  attemptsMade: number;
  runAt: number;
  createdAt: Date;
  finishedAt?: Date;
  lastError?: string;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The embedded default: jobs live in this process and are run by it, with the same semantics
 * as BullMQ. They do not survive a restart, which is why the embedded mode serves one instance
 * and why the outbox, not this queue, is the durable record of work to do.
 */
export class MemoryJobQueue implements JobQueue {
  readonly kind = 'memory' as const;
  readonly durable = false;
  private readonly settledListeners: ((idempotencyKey: string) => void)[] = [];
  private readonly jobs = new Map<string, StoredJob>();
  private processor: JobProcessor | null = null;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: JobQueueOptions) {}

  async enqueue(request: JobRequest): Promise<{ id: string }> {
    assertJobRequest(request);
    this.forgetExpired();
    const id = jobIdFor(request.idempotencyKey);
    if (this.jobs.has(id)) return { id };
    const delay = request.delayMs ?? 0;
    this.jobs.set(id, {
      context: {
        id,
        name: request.name,
        organizationId: request.organizationId,
        // A copy through JSON, as Redis would store it: the caller's object is not shared.
        payload: JSON.parse(JSON.stringify(request.payload)) as JobContext['payload'],
        idempotencyKey: request.idempotencyKey,
      },
      state: delay > 0 ? 'delayed' : 'waiting',
      attemptsMade: 0,
      runAt: Date.now() + delay,
      createdAt: new Date(),
    });
    this.schedule();
    return { id };
  }

  onSettled(listener: (idempotencyKey: string) => void): void {
    this.settledListeners.push(listener);
  }

  listFailed(page: number, limit: number): Promise<{ items: FailedJob[]; total: number }> {
    const failed = [...this.jobs.values()]
      .filter((job) => job.state === 'failed')
      .sort((a, b) => (b.finishedAt?.getTime() ?? 0) - (a.finishedAt?.getTime() ?? 0));
    const items = failed.slice((page - 1) * limit, page * limit).map(toFailedJob);
    return Promise.resolve({ items, total: failed.length });
  }

  retryFailed(id: string): Promise<FailedJob | null> {
    const job = this.jobs.get(id);
    if (job?.state !== 'failed') return Promise.resolve(null);
    const before = toFailedJob(job);
    Object.assign(job, { state: 'waiting', attemptsMade: 0, runAt: Date.now() });
    this.schedule();
    return Promise.resolve(before);
  }

  counts(): Promise<JobCounts> {
    const counts: JobCounts = { waiting: 0, active: 0, delayed: 0, failed: 0 };
    for (const job of this.jobs.values()) if (job.state !== 'completed') counts[job.state] += 1;
    return Promise.resolve(counts);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  startWorker(processor: JobProcessor): Promise<void> {
    if (this.processor) throw new Error('The worker is already started');
    this.processor = processor;
    this.schedule();
    return Promise.resolve();
  }

  async stopWorker(): Promise<void> {
    this.processor = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([...this.running]);
  }

  async close(): Promise<void> {
    await this.stopWorker();
  }

  /** Starts every due job the concurrency allows, and sets a timer for the next one due. */
  private schedule(): void {
    if (!this.processor) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = Date.now();
    const pending = [...this.jobs.values()]
      .filter((job) => job.state === 'waiting' || job.state === 'delayed')
      .sort((a, b) => a.runAt - b.runAt);
    for (const job of pending) {
      if (job.runAt > now) {
        this.timer = setTimeout(() => this.schedule(), job.runAt - now);
        this.timer.unref();
        return;
      }
      if (this.running.size >= this.options.concurrency) return;
      this.start(job);
    }
  }

  private start(job: StoredJob): void {
    const processor = this.processor;
    if (!processor) return;
    job.state = 'active';
    job.attemptsMade += 1;
    const run = processor({ ...job.context, attempt: job.attemptsMade }).then(
      () => this.settle(job, null),
      (error: unknown) => this.settle(job, error),
    );
    this.running.add(run);
    void run.finally(() => {
      this.running.delete(run);
      this.schedule();
    });
  }

  private settle(job: StoredJob, error: unknown): void {
    if (error === null) {
      Object.assign(job, { state: 'completed', finishedAt: new Date(), lastError: undefined });
      this.announceSettled(job);
      return;
    }
    job.lastError = messageOf(error);
    if (error instanceof PermanentJobError || job.attemptsMade >= this.options.maxAttempts) {
      Object.assign(job, { state: 'failed', finishedAt: new Date() });
      this.announceSettled(job);
      return;
    }
    job.state = 'delayed';
    job.runAt = Date.now() + backoffDelayMs(job.attemptsMade, this.options.backoffMs);
  }

  private announceSettled(job: StoredJob): void {
    for (const listener of this.settledListeners) listener(job.context.idempotencyKey);
  }

  /** Completed jobs are kept as long as BullMQ keeps them, then their keys may be used again. */
  private forgetExpired(): void {
    const cutoff = Date.now() - COMPLETED_RETENTION_MS;
    for (const [id, job] of this.jobs)
      if (job.state === 'completed' && (job.finishedAt?.getTime() ?? 0) < cutoff)
        this.jobs.delete(id);
  }
}

function toFailedJob(job: StoredJob): FailedJob {
  return {
    id: job.context.id,
    name: job.context.name,
    organizationId: job.context.organizationId,
    idempotencyKey: job.context.idempotencyKey,
    attempts: job.attemptsMade,
    lastError: job.lastError ?? '',
    failedAt: job.finishedAt ?? job.createdAt,
    createdAt: job.createdAt,
  };
}
