import { ApiProperty } from '@nestjs/swagger';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { PageQueryDto } from '../../../http/pagination.dto';
import type { FailedJob } from '../../../jobs/job-queue';

/** page and limit; failed jobs always come newest failure first, so `order` is ignored. */
export class ListFailedJobsQueryDto extends PageQueryDto {}

/** A job kept after its last attempt failed. Its payload stays in the queue: it may name people. */
export class FailedJobResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ maxLength: 100, example: 'mail.password-reset' }) name!: string;
  @ApiUuidProperty() organizationId!: string;
  @ApiProperty({ maxLength: 200, example: 'outbox:0b7e1c52-5d7f-4b8e-9a57-2f1f5a0c7d11' })
  idempotencyKey!: string;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 100 }) attempts!: number;
  @ApiProperty({ maxLength: 2000, example: 'connect ECONNREFUSED 127.0.0.1:587' })
  lastError!: string;
  @ApiTimestampProperty() failedAt!: string;
  @ApiTimestampProperty() createdAt!: string;

  static from(job: FailedJob): FailedJobResponseDto {
    return {
      id: job.id,
      name: job.name,
      organizationId: job.organizationId,
      idempotencyKey: job.idempotencyKey,
      attempts: job.attempts,
      lastError: job.lastError.slice(0, 2000),
      failedAt: job.failedAt.toISOString(),
      createdAt: job.createdAt.toISOString(),
    };
  }
}
