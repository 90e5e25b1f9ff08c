import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../context/request-context';
import { ResponseMessage } from '../../http/envelope';
import { CurrentUser, Permissions } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { CreateRoleDto, RoleDto, UpdateRoleDto } from './dto/roles.dto';
import { RolesService } from './roles.service';

@ApiTags('roles')
@ApiForbiddenResponse({ description: 'Needs roles.manage; you can only grant permissions you hold' })
@Permissions(PERMISSIONS.ROLES_MANAGE)
@Controller('roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @ApiOperation({ summary: 'Roles of your organization (needs roles.manage)' })
  @ApiResponse({ status: 200, type: [RoleDto] })
  list(): Promise<RoleDto[]> {
    return this.roles.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One role (needs roles.manage)' })
  @ApiResponse({ status: 200, type: RoleDto })
  @ApiNotFoundResponse()
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<RoleDto> {
    return this.roles.get(id);
  }

  @Post()
  @ResponseMessage('Role created')
  @ApiOperation({ summary: 'Create a custom role (needs roles.manage)' })
  @ApiResponse({ status: 201, type: RoleDto })
  @ApiConflictResponse({ description: 'Name taken' })
  create(@Body() dto: CreateRoleDto, @CurrentUser() principal: Principal): Promise<RoleDto> {
    return this.roles.create(dto, principal);
  }

  @Patch(':id')
  @ResponseMessage('Role updated')
  @ApiOperation({ summary: 'Rename or change permissions (built-in roles keep their names; admin keeps every permission)' })
  @ApiResponse({ status: 200, type: RoleDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateRoleDto, @CurrentUser() principal: Principal): Promise<RoleDto> {
    return this.roles.update(id, dto, principal);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Role deleted')
  @ApiOperation({ summary: 'Delete a custom role that nobody holds (needs roles.manage)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Built-in, or still assigned' })
  async remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<null> {
    await this.roles.remove(id);
    return null;
  }
}
