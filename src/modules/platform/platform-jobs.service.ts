import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { PaginatedResult } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { JOB_QUEUE, type JobQueue } from '../../jobs/job-queue';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { FailedJobResponseDto } from './dto/failed-jobs.dto';

/** The superuser's view of the job queue: the failed jobs, and retrying one. */
@Injectable()
export class PlatformJobsService {
  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async listFailed(page: number, limit: number): Promise<PaginatedResult<FailedJobResponseDto>> {
    const { items, total } = await this.queue.listFailed(page, limit);
    return new PaginatedResult(
      items.map((job) => FailedJobResponseDto.from(job)),
      page,
      limit,
      total,
    );
  }

  /**
   * Queues the job again with fresh attempts; the audit row names its organization (which gets
   * the anonymous "platform operator" row) and commits only when the queue took the retry.
   */
  retry(id: string): Promise<FailedJobResponseDto> {
    return this.transactions.run(async (manager) => {
      const job = await this.queue.retryFailed(id);
      if (!job)
        throw new AppException(
          HttpStatus.NOT_FOUND,
          ErrorCode.NOT_FOUND,
          'No failed job with this id',
        );
      await this.audit.record(
        {
          action: AuditAction.JOB_RETRIED,
          organizationId: job.organizationId,
          entityType: 'job',
          entityId: job.id,
          metadata: { name: job.name, attempts: job.attempts },
        },
        manager,
      );
      return FailedJobResponseDto.from(job);
    });
  }
}
