import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse, ApiUuidParam } from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { CurrentUser, Permissions } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { CreateRoleDto, RoleResponseDto, UpdateRoleDto } from './dto/roles.dto';
import { RolesService } from './roles.service';

const InvalidId = () => ApiErrorResponse(400, 'BAD_REQUEST: the id is not a UUID');
const RoleIdParam = () => ApiUuidParam('id', "The role's id");
const NotFound = () =>
  ApiErrorResponse(404, {
    description: 'NOT_FOUND: no such role in your organization',
    message: 'Role not found',
  });
const CANNOT_GRANT =
  'You can only grant permissions you hold, and only edit or delete roles whose permissions you hold: anything else is 403 FORBIDDEN.';

@ApiTags('roles')
@Permissions(PERMISSIONS.ROLES_MANAGE)
@Controller('roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @ApiOperation({
    operationId: 'listRoles',
    summary: 'Roles of your organization (needs roles.manage)',
  })
  @ApiEnvelope(RoleResponseDto, { isArray: true })
  list(): Promise<RoleResponseDto[]> {
    return this.roles.list();
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getRole', summary: 'One role (needs roles.manage)' })
  @RoleIdParam()
  @ApiEnvelope(RoleResponseDto)
  @InvalidId()
  @NotFound()
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<RoleResponseDto> {
    return this.roles.get(id);
  }

  @Post()
  @Audited(AuditAction.ROLE_CREATED)
  @ResponseMessage('Role created')
  @ApiOperation({
    operationId: 'createRole',
    summary: 'Create a custom role (needs roles.manage)',
    description: CANNOT_GRANT,
  })
  @ApiEnvelope(RoleResponseDto, { status: 201 })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field), e.g. an unknown permission or a reserved name',
  )
  @ApiErrorResponse(403, 'FORBIDDEN: the role would grant a permission you do not hold')
  @ApiErrorResponse(
    409,
    'CONFLICT: a role with this name (ignoring case and Unicode form) already exists',
  )
  create(
    @Body() dto: CreateRoleDto,
    @CurrentUser() principal: Principal,
  ): Promise<RoleResponseDto> {
    return this.roles.create(dto, principal);
  }

  @Patch(':id')
  @Audited(AuditAction.ROLE_UPDATED)
  @ResponseMessage('Role updated')
  @ApiOperation({
    operationId: 'updateRole',
    summary:
      'Rename or change permissions (built-in roles keep their names; admin keeps every permission)',
    description: CANNOT_GRANT,
  })
  @RoleIdParam()
  @ApiEnvelope(RoleResponseDto)
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field, e.g. a reserved name), or BAD_REQUEST: the id is not a UUID',
  )
  @ApiErrorResponse(403, 'FORBIDDEN: the role holds, or would grant, a permission you do not hold')
  @NotFound()
  @ApiErrorResponse(
    409,
    'CONFLICT: the name is taken, a built-in role cannot be renamed, or admin would lose a permission',
  )
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateRoleDto,
    @CurrentUser() principal: Principal,
  ): Promise<RoleResponseDto> {
    return this.roles.update(id, dto, principal);
  }

  @Delete(':id')
  @Audited(AuditAction.ROLE_DELETED)
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Role deleted')
  @ApiOperation({
    operationId: 'deleteRole',
    summary: 'Delete a custom role that nobody holds (needs roles.manage)',
  })
  @RoleIdParam()
  @ApiEnvelope(null)
  @InvalidId()
  @ApiErrorResponse(403, 'FORBIDDEN: the role holds a permission you do not hold')
  @NotFound()
  @ApiErrorResponse(409, 'CONFLICT: the role is built-in, or still assigned to users')
  async remove(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() principal: Principal,
  ): Promise<null> {
    await this.roles.remove(id, principal);
    return null;
  }
}
