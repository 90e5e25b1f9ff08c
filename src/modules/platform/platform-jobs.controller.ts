import {
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrorResponse, ApiUuidParam } from '../../http/api-docs';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import { PlatformOnly } from '../../security/decorators';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { FailedJobResponseDto, ListFailedJobsQueryDto } from './dto/failed-jobs.dto';
import { PlatformJobsService } from './platform-jobs.service';

@ApiTags('platform')
@Controller('platform/jobs')
export class PlatformJobsController {
  constructor(private readonly jobs: PlatformJobsService) {}

  @Get('failed')
  @PlatformOnly()
  @ApiOperation({
    operationId: 'listFailedJobs',
    summary:
      'Jobs kept after their last attempt failed, newest failure first, with the last error (platform superuser only)',
  })
  @ApiEnvelope(FailedJobResponseDto, { paginated: true })
  @ApiErrorResponse(400, 'VALIDATION_ERROR: bad page or limit (1-100)')
  @ApiErrorResponse(503, 'SERVICE_UNAVAILABLE: the job queue does not answer')
  listFailed(
    @Query() query: ListFailedJobsQueryDto,
  ): Promise<PaginatedResult<FailedJobResponseDto>> {
    return this.jobs.listFailed(query.page, query.limit);
  }

  @Post(':id/retry')
  @HttpCode(HttpStatus.OK)
  @PlatformOnly()
  @Audited(AuditAction.JOB_RETRIED)
  @ResponseMessage('Job queued again')
  @ApiOperation({
    operationId: 'retryFailedJob',
    summary: 'Queue a failed job again with a fresh set of attempts (platform superuser only)',
  })
  @ApiUuidParam('id', "The failed job's id")
  @ApiEnvelope(FailedJobResponseDto)
  @ApiErrorResponse(400, 'BAD_REQUEST: the id is not a UUID')
  @ApiErrorResponse(404, {
    description: 'NOT_FOUND: no failed job has this id',
    message: 'No failed job with this id',
  })
  @ApiErrorResponse(503, 'SERVICE_UNAVAILABLE: the job queue does not answer')
  retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<FailedJobResponseDto> {
    return this.jobs.retry(id);
  }
}
