import {
  type BeforeApplicationShutdown,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { KV_STORE } from '../kv/kv-store';
import { LOGGER } from '../logging/logger';
import { BullMqJobQueue } from './bullmq-job-queue';
import { JOB_QUEUE, type JobQueue, type JobQueueOptions } from './job-queue';
import { JobRunner } from './job-runner.service';
import { MemoryJobQueue } from './memory-job-queue';
import { QueueMetrics } from './queue-metrics';

/** Jobs one worker runs at once. */
const WORKER_CONCURRENCY = 4;

/**
 * Starts the worker at boot where this process runs workers (WORKERS=inline, or the worker
 * process), and stops it before the database and Redis close: the job in hand finishes.
 */
@Injectable()
class WorkerLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: JobRunner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.jobs.runWorkers) return;
    await this.queue.startWorker((job) => this.runner.run(job));
    this.logger.info({ queue: this.queue.kind }, 'job worker started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.config.jobs.runWorkers) return;
    await this.queue.stopWorker();
    this.logger.info('job worker stopped');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: JOB_QUEUE,
      // After the key-value store: when Redis is unreachable, that one fails the boot first.
      inject: [APP_CONFIG, LOGGER, KV_STORE],
      useFactory: async (config: AppConfig, logger: Logger): Promise<JobQueue> => {
        const options: JobQueueOptions = {
          maxAttempts: config.jobs.maxAttempts,
          backoffMs: config.jobs.backoffMs,
          concurrency: WORKER_CONCURRENCY,
        };
        if (!config.redis.connection) return new MemoryJobQueue(options);
        const queue = new BullMqJobQueue({
          ...options,
          connection: config.redis.connection,
          prefix: config.jobs.queuePrefix,
          lockDurationMs: config.jobs.lockDurationMs,
          logger,
        });
        await queue.connect();
        return queue;
      },
    },
    JobRunner,
    WorkerLifecycle,
    QueueMetrics,
  ],
  exports: [JOB_QUEUE, JobRunner],
})
export class JobsModule {}
