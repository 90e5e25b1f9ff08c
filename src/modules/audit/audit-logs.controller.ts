import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrorResponse } from '../../http/api-docs';
import { PaginatedResult } from '../../http/envelope';
import { Permissions } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { AuditLogsRepository } from './audit-logs.repository';
import { AuditLogResponseDto, ListAuditLogsQueryDto } from './dto/audit-logs.dto';

@ApiTags('audit')
@Controller('audit-logs')
export class AuditLogsController {
  constructor(private readonly logs: AuditLogsRepository) {}

  @Get()
  @Permissions(PERMISSIONS.AUDIT_READ)
  @ApiOperation({
    operationId: 'listAuditLogs',
    summary: 'Security events and administrative changes of your organization (needs audit.read)',
  })
  @ApiEnvelope(AuditLogResponseDto, {
    paginated: true,
    description: 'One page, with pagination, newest first by default',
  })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR: bad page, limit (1-100), order, action, userId, from or to',
  )
  async list(@Query() query: ListAuditLogsQueryDto): Promise<PaginatedResult<AuditLogResponseDto>> {
    const [rows, total] = await this.logs.findPage({
      ...query,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    return new PaginatedResult(
      rows.map((row) => AuditLogResponseDto.from(row)),
      query.page,
      query.limit,
      total,
    );
  }
}
