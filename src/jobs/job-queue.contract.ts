import { randomUUID } from 'node:crypto';
import { type JobContext, PermanentJobError } from './job';
import type { JobProcessor, JobQueue, JobQueueOptions } from './job-queue';

/**
 * The behaviour every JobQueue adapter must share; each adapter's spec runs it. Backoffs are a
 * few tens of milliseconds so the suite stays fast.
 */
export const CONTRACT_OPTIONS: JobQueueOptions = { maxAttempts: 3, backoffMs: 60, concurrency: 2 };

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

interface Run {
  job: JobContext;
  at: number;
}

/** A processor that records each run and behaves as `behaviour` says for it. */
function recorder(behaviour: (job: JobContext) => Promise<void> = () => Promise.resolve()) {
  const runs: Run[] = [];
  const processor: JobProcessor = (job) => {
    runs.push({ job, at: Date.now() });
    return behaviour(job);
  };
  return { runs, processor };
}

const request = (overrides: Partial<Parameters<JobQueue['enqueue']>[0]> = {}) => ({
  name: 'contract.probe',
  organizationId: randomUUID(),
  payload: { value: 'x', nested: { list: [1, 2] } },
  idempotencyKey: `contract:${randomUUID()}`,
  ...overrides,
});

export function describeJobQueueContract(
  name: string,
  createQueue: (options: JobQueueOptions) => Promise<JobQueue>,
): void {
  describe(`${name} (JobQueue contract)`, () => {
    let queue: JobQueue;

    beforeEach(async () => {
      queue = await createQueue(CONTRACT_OPTIONS);
    });
    afterEach(async () => {
      await queue.close();
    });

    it('runs an enqueued job once, with its name, organization, payload, key and attempt 1', async () => {
      const { runs, processor } = recorder();
      await queue.startWorker(processor);
      const job = request();
      const { id } = await queue.enqueue(job);
      await waitFor(() => runs.length === 1);
      await sleep(100);
      expect(runs.map((run) => run.job)).toEqual([
        {
          id,
          name: job.name,
          organizationId: job.organizationId,
          payload: job.payload,
          idempotencyKey: job.idempotencyKey,
          attempt: 1,
        },
      ]);
    });

    it('keeps one job per idempotency key, before and after it ran', async () => {
      const { runs, processor } = recorder();
      const job = request();
      const first = await queue.enqueue(job);
      const second = await queue.enqueue({ ...job, payload: { value: 'other' } });
      expect(second.id).toBe(first.id);
      await queue.startWorker(processor);
      await waitFor(() => runs.length === 1);
      await queue.enqueue(job);
      await sleep(150);
      expect(runs).toHaveLength(1);
      expect(runs[0].job.payload).toEqual(job.payload);
    });

    it('refuses a job without an organization', async () => {
      await expect(queue.enqueue(request({ organizationId: '' }))).rejects.toThrow(
        /no organization/,
      );
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    });

    it('counts waiting jobs while no worker runs', async () => {
      await queue.enqueue(request());
      await queue.enqueue(request());
      expect(await queue.counts()).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0 });
    });

    it('holds a delayed job back until its delay has passed', async () => {
      const { runs, processor } = recorder();
      await queue.startWorker(processor);
      const enqueuedAt = Date.now();
      await queue.enqueue(request({ delayMs: 400 }));
      expect((await queue.counts()).delayed).toBe(1);
      await waitFor(() => runs.length === 1);
      expect(runs[0].at - enqueuedAt).toBeGreaterThanOrEqual(380);
    });

    it('retries a failing job with a doubling backoff, counting the attempts', async () => {
      const { runs, processor } = recorder(async (job) => {
        if (job.attempt < 3) throw new Error(`failure ${job.attempt}`);
      });
      await queue.startWorker(processor);
      await queue.enqueue(request());
      await waitFor(() => runs.length === 3);
      await sleep(100);
      expect(runs.map((run) => run.job.attempt)).toEqual([1, 2, 3]);
      const { backoffMs } = CONTRACT_OPTIONS;
      // Jitter takes at most a fifth of each wait.
      expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(backoffMs * 0.8 - 5);
      expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(2 * backoffMs * 0.8 - 5);
      expect(await queue.listFailed(1, 10)).toEqual({ items: [], total: 0 });
    });

    it('keeps a job that failed every attempt, with its last error', async () => {
      const { runs, processor } = recorder(async (job) => {
        throw new Error(`failure ${job.attempt}`);
      });
      await queue.startWorker(processor);
      const job = request();
      const { id } = await queue.enqueue(job);
      await waitFor(async () => (await queue.counts()).failed === 1);
      expect(runs).toHaveLength(CONTRACT_OPTIONS.maxAttempts);
      const { items, total } = await queue.listFailed(1, 10);
      expect(total).toBe(1);
      expect(items[0]).toMatchObject({
        id,
        name: job.name,
        organizationId: job.organizationId,
        idempotencyKey: job.idempotencyKey,
        attempts: CONTRACT_OPTIONS.maxAttempts,
        lastError: `failure ${CONTRACT_OPTIONS.maxAttempts}`,
      });
      expect(items[0].failedAt.getTime()).toBeGreaterThanOrEqual(items[0].createdAt.getTime());
    });

    it('does not retry a job that failed permanently', async () => {
      const { runs, processor } = recorder(async () => {
        throw new PermanentJobError('cannot ever work');
      });
      await queue.startWorker(processor);
      await queue.enqueue(request());
      await waitFor(async () => (await queue.counts()).failed === 1);
      await sleep(200);
      expect(runs).toHaveLength(1);
      expect((await queue.listFailed(1, 10)).items[0]).toMatchObject({
        attempts: 1,
        lastError: 'cannot ever work',
      });
    });

    it('lists failed jobs newest first, a page at a time', async () => {
      const { processor } = recorder(async () => {
        throw new PermanentJobError('no');
      });
      await queue.startWorker(processor);
      const ids: string[] = [];
      for (let index = 0; index < 3; index += 1) {
        ids.push((await queue.enqueue(request())).id);
        await waitFor(async () => (await queue.counts()).failed === index + 1);
        await sleep(5);
      }
      const first = await queue.listFailed(1, 2);
      const second = await queue.listFailed(2, 2);
      expect(first.total).toBe(3);
      expect(second.total).toBe(3);
      expect([...first.items, ...second.items].map((item) => item.id)).toEqual(ids.reverse());
    });

    it('retries a failed job with fresh attempts, and only a failed one', async () => {
      let healthy = false;
      const { runs, processor } = recorder(async () => {
        if (!healthy) throw new PermanentJobError('not yet');
      });
      await queue.startWorker(processor);
      const job = request();
      const { id } = await queue.enqueue(job);
      await waitFor(async () => (await queue.counts()).failed === 1);
      healthy = true;
      const retried = await queue.retryFailed(id);
      expect(retried).toMatchObject({
        id,
        organizationId: job.organizationId,
        lastError: 'not yet',
      });
      await waitFor(() => runs.length === 2);
      expect(runs[1].job.attempt).toBe(1);
      await waitFor(async () => (await queue.counts()).failed === 0);
      expect(await queue.retryFailed(id)).toBeNull();
      expect(await queue.retryFailed(randomUUID())).toBeNull();
    });

    it('stops taking jobs on stopWorker, after finishing the job in hand', async () => {
      let finished = false;
      const { runs, processor } = recorder(async () => {
        await sleep(300);
        finished = true;
      });
      await queue.startWorker(processor);
      await queue.enqueue(request());
      await waitFor(() => runs.length === 1);
      await queue.stopWorker();
      expect(finished).toBe(true);
      await queue.enqueue(request());
      await sleep(150);
      expect(runs).toHaveLength(1);
      expect((await queue.counts()).waiting).toBe(1);
    });

    it('answers ping', async () => {
      await expect(queue.ping()).resolves.toBeUndefined();
    });
  });
}
