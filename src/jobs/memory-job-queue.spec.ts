import { describeJobQueueContract } from './job-queue.contract';
import { MemoryJobQueue } from './memory-job-queue';

describeJobQueueContract('MemoryJobQueue', (options) =>
  Promise.resolve(new MemoryJobQueue(options)),
);

describe('MemoryJobQueue settling', () => {
  const organizationId = '33333333-3333-4333-8333-333333333333';

  it('is not durable, and tells who listens when a job completed or failed for good, not on a retry', async () => {
    const queue = new MemoryJobQueue({ maxAttempts: 2, backoffMs: 10, concurrency: 1 });
    expect(queue.durable).toBe(false);
    const settled: string[] = [];
    queue.onSettled((key) => settled.push(key));
    const attempts: string[] = [];
    await queue.startWorker(async (job) => {
      attempts.push(`${job.idempotencyKey}#${job.attempt}`);
      if (job.name === 'fails') throw new Error('no');
    });
    await queue.enqueue({ name: 'works', organizationId, payload: {}, idempotencyKey: 'a' });
    await queue.enqueue({ name: 'fails', organizationId, payload: {}, idempotencyKey: 'b' });
    for (let waited = 0; settled.length < 2 && waited < 2000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(attempts).toEqual(['a#1', 'b#1', 'b#2']);
    expect(settled).toEqual(['a', 'b']);
    await queue.close();
  });
});
