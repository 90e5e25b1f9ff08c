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
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal, UserPrincipal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse, ApiUuidParam } from '../../http/api-docs';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import {
  Authenticated,
  CurrentPrincipal,
  CurrentUser,
  Permissions,
} from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateProfileDto,
  UpdateUserDto,
  UserResponseDto,
} from './dto/users.dto';
import { UsersService } from './users.service';

const InvalidId = () => ApiErrorResponse(400, 'BAD_REQUEST: the id is not a UUID');
const UserIdParam = () => ApiUuidParam('id', "The user's id");
const NotFound = () =>
  ApiErrorResponse(404, {
    description: 'NOT_FOUND: no such user in your organization',
    message: 'User not found',
  });
const CannotGrant = () =>
  ApiErrorResponse(403, 'FORBIDDEN: the roles would grant a permission you do not hold');
const Outranks = () =>
  ApiErrorResponse(
    403,
    'FORBIDDEN: the user holds a permission you do not hold, or the roles would grant one',
  );
const USER_UPDATE_ACTIONS = [
  AuditAction.USER_UPDATED,
  AuditAction.USER_ROLES_CHANGED,
  AuditAction.USER_DISABLED,
  AuditAction.USER_ENABLED,
] as const;

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @Authenticated()
  @ApiOperation({ operationId: 'getProfile', summary: 'Your own profile (any authenticated user)' })
  @ApiEnvelope(UserResponseDto)
  me(@CurrentUser() principal: UserPrincipal): Promise<UserResponseDto> {
    return this.users.get(principal.userId);
  }

  @Patch('me')
  @Authenticated()
  @Audited(AuditAction.USER_PROFILE_UPDATED)
  @ResponseMessage('Profile updated')
  @ApiOperation({
    operationId: 'updateProfile',
    summary: 'Edit your own names; roles and status cannot be changed here',
  })
  @ApiEnvelope(UserResponseDto)
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR, with details per field; also for roles, status or any other field not allowed here',
  )
  updateMe(
    @CurrentUser() principal: UserPrincipal,
    @Body() dto: UpdateProfileDto,
  ): Promise<UserResponseDto> {
    return this.users.updateProfile(principal, dto);
  }

  @Get()
  @Permissions(PERMISSIONS.USERS_READ)
  @ApiOperation({
    operationId: 'listUsers',
    summary: 'Users of your organization (needs users.read)',
  })
  @ApiEnvelope(UserResponseDto, { paginated: true })
  @ApiErrorResponse(400, 'VALIDATION_ERROR: bad page, limit (1-100), sort, order, role or status')
  list(@Query() query: ListUsersQueryDto): Promise<PaginatedResult<UserResponseDto>> {
    return this.users.list(query);
  }

  @Get(':id')
  @Permissions(PERMISSIONS.USERS_READ)
  @ApiOperation({ operationId: 'getUser', summary: 'One user (needs users.read)' })
  @UserIdParam()
  @ApiEnvelope(UserResponseDto)
  @InvalidId()
  @NotFound()
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserResponseDto> {
    return this.users.get(id);
  }

  @Post()
  @Permissions(PERMISSIONS.USERS_CREATE)
  @Audited(AuditAction.USER_CREATED)
  @ResponseMessage('User created')
  @ApiOperation({
    operationId: 'createUser',
    summary:
      'Create a user with roles (needs users.create; you can only grant permissions you hold)',
  })
  @ApiEnvelope(UserResponseDto, { status: 201 })
  @ApiErrorResponse(400, 'VALIDATION_ERROR (details per field), including an unknown role')
  @CannotGrant()
  @ApiErrorResponse(409, 'CONFLICT: the email is already used in this organization')
  create(
    @Body() dto: CreateUserDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UserResponseDto> {
    return this.users.create(dto, principal);
  }

  @Patch(':id')
  @Permissions(PERMISSIONS.USERS_UPDATE)
  @Audited(...USER_UPDATE_ACTIONS)
  @ResponseMessage('User updated')
  @ApiOperation({
    operationId: 'updateUser',
    summary:
      'Change names, roles or status (needs users.update, and every permission the user holds); applies on the next request',
  })
  @UserIdParam()
  @ApiEnvelope(UserResponseDto)
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field), including an unknown role; or BAD_REQUEST: the id is not a UUID',
  )
  @Outranks()
  @NotFound()
  @ApiErrorResponse(
    409,
    'CONFLICT: would leave the organization without an active admin, or a concurrent change won',
  )
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateUserDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UserResponseDto> {
    return this.users.update(id, dto, principal);
  }

  @Delete(':id')
  @Permissions(PERMISSIONS.USERS_DELETE)
  @Audited(AuditAction.USER_DISABLED, AuditAction.USER_UPDATED)
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('User deactivated')
  @ApiOperation({
    operationId: 'deactivateUser',
    summary:
      'Deactivate a user and end all their sessions (needs users.delete, and every permission the user holds)',
  })
  @UserIdParam()
  @ApiEnvelope(null)
  @InvalidId()
  @ApiErrorResponse(403, 'FORBIDDEN: the user holds a permission you do not hold')
  @NotFound()
  @ApiErrorResponse(409, 'CONFLICT: the last active admin of the organization')
  async remove(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<null> {
    await this.users.deactivate(id, principal);
    return null;
  }
}
