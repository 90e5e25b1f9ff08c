import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { LOGGER } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { JOB_QUEUE, type JobCounts, type JobQueue } from './job-queue';

const STATES: (keyof JobCounts)[] = ['waiting', 'active', 'delayed', 'failed'];

/**
 * `job_queue_jobs{state}`, read from the queue at each scrape (BullMQ: one getJobCounts
 * round trip). Every process sharing the queue reports the same figures. When the queue cannot
 * be read the series are left out of that scrape rather than repeating stale figures.
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    if (!this.metrics.enabled) return;
    const depth: Gauge<'state'> = new Gauge({
      name: 'job_queue_jobs',
      help: 'Jobs in the queue by state (waiting, active, delayed, failed: kept until retried).',
      labelNames: ['state'] as const,
      registers: [this.metrics.registry],
      collect: async () => {
        depth.reset();
        try {
          const counts = await this.queue.counts();
          for (const state of STATES) depth.set({ state }, counts[state]);
        } catch (error) {
          this.logger.warn({ err: error }, 'job queue counts unavailable for metrics');
        }
      },
    });
  }
}
