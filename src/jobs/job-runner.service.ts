import { performance } from 'node:perf_hooks';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { SystemScope } from '../tenancy/system-scope.service';
import { TenantResolver } from '../tenancy/tenant-resolver.service';
import { type JobContext, PermanentJobError } from './job';
import { JOB_HANDLER, type JobHandlerInstance } from './job-handler.decorator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isHandler(value: unknown): value is JobHandlerInstance {
  return typeof (value as Partial<JobHandlerInstance> | null)?.handle === 'function';
}

/**
 * Runs one job: finds its @JobHandler, restores its tenant through the system scope and calls
 * the handler inside it, so tenant-scoped repositories work as in a request. A job without a
 * handler, without an organization or for an organization that does not exist fails
 * permanently: it never runs unscoped, and retrying cannot help it.
 */
@Injectable()
export class JobRunner implements OnModuleInit {
  private readonly handlers = new Map<string, JobHandlerInstance>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly tenants: TenantResolver,
    private readonly systemScope: SystemScope,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.metatype || typeof wrapper.metatype !== 'function') continue;
      const name = this.reflector.get<string | undefined>(JOB_HANDLER, wrapper.metatype);
      if (name === undefined) continue;
      if (!isHandler(wrapper.instance))
        throw new Error(`${wrapper.name} is a @JobHandler without a handle(job) method`);
      if (this.handlers.has(name)) throw new Error(`Two handlers for job ${name}`);
      this.handlers.set(name, wrapper.instance);
    }
  }

  handles(name: string): boolean {
    return this.handlers.has(name);
  }

  async run(job: JobContext): Promise<void> {
    const fields = {
      jobId: job.id,
      job: job.name,
      organizationId: job.organizationId,
      attempt: job.attempt,
    };
    // A name without a handler is not ours to label with: it could be anything in the queue.
    const jobLabel = this.handlers.has(job.name) ? job.name : 'unknown';
    const start = performance.now();
    try {
      const handler = this.handlers.get(job.name);
      if (!handler) throw new PermanentJobError(`No handler for job ${job.name}`);
      if (!job.organizationId || !UUID.test(job.organizationId))
        throw new PermanentJobError(`Job ${job.name} names no organization`);
      const organization = await this.tenants.resolve({
        value: job.organizationId.toLowerCase(),
        source: 'header',
      });
      if (!organization)
        throw new PermanentJobError(
          `Job ${job.name}: organization ${job.organizationId} does not exist`,
        );
      await this.systemScope.asTenant(organization, `job:${job.name}`, () => handler.handle(job));
      this.observe(jobLabel, 'completed', start);
      this.logger.info(fields, 'job completed');
    } catch (error) {
      this.observe(jobLabel, 'failed', start);
      this.logger.warn(
        { ...fields, err: error, permanent: error instanceof PermanentJobError },
        'job failed',
      );
      throw error;
    }
  }

  private observe(job: string, outcome: 'completed' | 'failed', start: number): void {
    this.metrics.jobDuration.observe({ job, outcome }, (performance.now() - start) / 1000);
  }
}
