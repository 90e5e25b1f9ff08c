import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrorResponse, ApiUuidParam } from '../../http/api-docs';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import { Authenticated, Permissions, PlatformOnly } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import {
  ListOrganizationsQueryDto,
  OrganizationResponseDto,
  UpdateOrganizationDto,
  UpdateOrganizationStatusDto,
} from './dto/organizations.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get('current')
  @Authenticated({ apiKey: true })
  @ApiOperation({
    operationId: 'getCurrentOrganization',
    summary: 'Your organization (any authenticated user, or an API key of it)',
  })
  @ApiEnvelope(OrganizationResponseDto)
  current(): Promise<OrganizationResponseDto> {
    return this.organizations.current();
  }

  @Patch('current')
  @Permissions(PERMISSIONS.ORGANIZATION_UPDATE)
  @Audited(AuditAction.ORGANIZATION_UPDATED)
  @ResponseMessage('Organization updated')
  @ApiOperation({
    operationId: 'updateCurrentOrganization',
    summary: 'Rename your organization or change its settings (needs organization.update)',
  })
  @ApiEnvelope(OrganizationResponseDto)
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR, with details per field: e.g. nested or oversized settings (nothing is changed)',
  )
  updateCurrent(@Body() dto: UpdateOrganizationDto): Promise<OrganizationResponseDto> {
    return this.organizations.updateCurrent(dto);
  }

  @Get()
  @PlatformOnly()
  @ApiOperation({
    operationId: 'listOrganizations',
    summary: 'Every organization (platform superuser only)',
  })
  @ApiEnvelope(OrganizationResponseDto, { paginated: true })
  @ApiErrorResponse(400, 'VALIDATION_ERROR: bad page, limit (1-100) or order')
  list(
    @Query() query: ListOrganizationsQueryDto,
  ): Promise<PaginatedResult<OrganizationResponseDto>> {
    return this.organizations.list(query.page, query.limit, query.order);
  }

  @Patch(':id')
  @PlatformOnly()
  @Audited(AuditAction.ORGANIZATION_SUSPENDED, AuditAction.ORGANIZATION_REACTIVATED)
  @ResponseMessage('Organization status changed')
  @ApiOperation({
    operationId: 'setOrganizationStatus',
    summary:
      'Suspend or reactivate an organization (platform superuser only); suspension ends its sessions',
  })
  @ApiUuidParam('id', "The organization's id")
  @ApiEnvelope(OrganizationResponseDto)
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field), or BAD_REQUEST: the id is not a UUID',
  )
  @ApiErrorResponse(404, {
    description: 'NOT_FOUND: no such organization',
    message: 'Organization not found',
  })
  setStatus(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateOrganizationStatusDto,
  ): Promise<OrganizationResponseDto> {
    return this.organizations.setStatus(id, dto.status);
  }
}
