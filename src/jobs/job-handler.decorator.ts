import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { JobContext, JobPayload } from './job';

export const JOB_HANDLER = 'jobs:handler';

/** What a @JobHandler class implements. It runs as the job's tenant (JobRunner). */
export interface JobHandlerInstance<P extends JobPayload = JobPayload> {
  handle(job: JobContext<P>): Promise<void>;
}

/**
 * Marks a provider as the handler of one job name (`mail.password-reset`); the runner finds it
 * at boot. One handler per name. Effects must be idempotent by `job.idempotencyKey`: delivery is
 * at least once.
 */
export const JobHandler = (name: string): ClassDecorator =>
  applyDecorators(Injectable(), SetMetadata(JOB_HANDLER, name));
