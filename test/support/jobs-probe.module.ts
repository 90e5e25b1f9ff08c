import { Body, Controller, HttpStatus, Injectable, Module, Post } from '@nestjs/common';
import { IsBoolean, IsIn, IsString, Length } from 'class-validator';
import { RequestContext } from '../../src/context/request-context';
import { TransactionRunner } from '../../src/database/transaction-runner.service';
import { AppException } from '../../src/http/app-exception';
import { ErrorCode } from '../../src/http/error-codes';
import type { JobContext } from '../../src/jobs/job';
import { JobHandler, type JobHandlerInstance } from '../../src/jobs/job-handler.decorator';
import { OutboxService } from '../../src/outbox/outbox.service';
import { Public } from '../../src/security/public.decorator';
import { TenantContext } from '../../src/tenancy/tenant-context';

/** Small numbers, so retries and polls happen within a test's patience. */
export const JOB_TEST_ENV = {
  JOB_MAX_ATTEMPTS: '2',
  JOB_BACKOFF: '50ms',
  OUTBOX_POLL_INTERVAL: '200ms',
};

/** What the probe handlers saw: each run with the tenant and system-scope reason in force. */
export interface ProbeRun {
  job: JobContext;
  tenantId: string;
  reason: string | undefined;
}

@Injectable()
export class JobsProbeRecorder {
  readonly runs: ProbeRun[] = [];

  record(job: JobContext): void {
    this.runs.push({
      job,
      tenantId: TenantContext.requireTenantId('probe job'),
      reason: RequestContext.current()?.systemScope?.reason,
    });
  }
}

/** Succeeds; records the run. */
@JobHandler('probe.outbox')
class ProbeOutboxHandler implements JobHandlerInstance {
  constructor(private readonly recorder: JobsProbeRecorder) {}

  handle(job: JobContext): Promise<void> {
    this.recorder.record(job);
    return Promise.resolve();
  }
}

/** Fails every attempt; records the run. */
@JobHandler('probe.fail')
class ProbeFailHandler implements JobHandlerInstance {
  constructor(private readonly recorder: JobsProbeRecorder) {}

  handle(job: JobContext): Promise<void> {
    this.recorder.record(job);
    return Promise.reject(new Error(`probe failure on attempt ${job.attempt}`));
  }
}

export class ProbeOutboxDto {
  @IsString()
  @Length(36, 36)
  organizationId!: string;

  @IsIn(['probe.outbox', 'probe.fail'])
  type!: string;

  @IsString()
  @Length(1, 50)
  note!: string;

  @IsBoolean()
  commit!: boolean;
}

/**
 * Records an outbox event in a transaction that commits, or rolls back (409) after recording
 * it, as a feature's write would. Test-only; mounted with `extraImports: [JobsProbeModule]`.
 */
@Public()
@Controller('probe/outbox')
class ProbeOutboxController {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
  ) {}

  @Post()
  async record(@Body() dto: ProbeOutboxDto): Promise<{ recorded: boolean }> {
    await this.transactions.run(async (manager) => {
      await this.outbox.record(manager, {
        type: dto.type,
        organizationId: dto.organizationId,
        payload: { note: dto.note },
      });
      if (!dto.commit)
        throw new AppException(HttpStatus.CONFLICT, ErrorCode.CONFLICT, 'Rolled back on purpose');
    });
    return { recorded: true };
  }
}

@Module({
  controllers: [ProbeOutboxController],
  providers: [JobsProbeRecorder, ProbeOutboxHandler, ProbeFailHandler],
})
export class JobsProbeModule {}
