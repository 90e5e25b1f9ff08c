import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import { Authenticated, Permissions, Roles } from '../../security/decorators';
import { PERMISSIONS, SUPERUSER_ROLE } from '../../security/permissions';
import { ListOrganizationsQueryDto, OrganizationDto, UpdateOrganizationDto, UpdateOrganizationStatusDto } from './dto/organizations.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get('current')
  @Authenticated()
  @ApiOperation({ summary: 'Your organization (any authenticated user)' })
  @ApiResponse({ status: 200, type: OrganizationDto })
  current(): Promise<OrganizationDto> {
    return this.organizations.current();
  }

  @Patch('current')
  @Permissions(PERMISSIONS.ORGANIZATION_UPDATE)
  @ResponseMessage('Organization updated')
  @ApiOperation({ summary: 'Rename your organization or change its settings (needs organization.update)' })
  @ApiResponse({ status: 200, type: OrganizationDto })
  @ApiForbiddenResponse()
  updateCurrent(@Body() dto: UpdateOrganizationDto): Promise<OrganizationDto> {
    return this.organizations.updateCurrent(dto);
  }

  @Get()
  @Roles(SUPERUSER_ROLE)
  @ApiOperation({ summary: 'Every organization (platform superuser only)' })
  @ApiResponse({ status: 200, type: [OrganizationDto], description: 'With pagination' })
  @ApiForbiddenResponse({ description: 'Not the superuser' })
  list(@Query() query: ListOrganizationsQueryDto): Promise<PaginatedResult<OrganizationDto>> {
    return this.organizations.list(query.page, query.limit, query.order);
  }

  @Patch(':id')
  @Roles(SUPERUSER_ROLE)
  @ResponseMessage('Organization status changed')
  @ApiOperation({ summary: 'Suspend or reactivate an organization (platform superuser only); suspension ends its sessions' })
  @ApiResponse({ status: 200, type: OrganizationDto })
  @ApiNotFoundResponse()
  @ApiForbiddenResponse({ description: 'Not the superuser' })
  setStatus(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateOrganizationStatusDto): Promise<OrganizationDto> {
    return this.organizations.setStatus(id, dto.status);
  }
}
