import { describeJobQueueContract } from './job-queue.contract';
import { MemoryJobQueue } from './memory-job-queue';

describeJobQueueContract('MemoryJobQueue', (options) =>
  Promise.resolve(new MemoryJobQueue(options)),
);
