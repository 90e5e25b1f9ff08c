import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '../../context/request-context';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import { Authenticated, CurrentUser, Permissions } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { CreateUserDto, ListUsersQueryDto, UpdateProfileDto, UpdateUserDto, UserDto } from './dto/users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiForbiddenResponse({ description: 'Missing permission, or X-Tenant-ID / subdomain naming another organization' })
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'Your own profile (any authenticated user)' })
  @ApiResponse({ status: 200, type: UserDto })
  me(@CurrentUser() principal: Principal): Promise<UserDto> {
    return this.users.get(principal.userId);
  }

  @Patch('me')
  @Authenticated()
  @ResponseMessage('Profile updated')
  @ApiOperation({ summary: 'Edit your own names; roles and status cannot be changed here' })
  @ApiResponse({ status: 200, type: UserDto })
  updateMe(@CurrentUser() principal: Principal, @Body() dto: UpdateProfileDto): Promise<UserDto> {
    return this.users.updateProfile(principal, dto);
  }

  @Get()
  @Permissions(PERMISSIONS.USERS_READ)
  @ApiOperation({ summary: 'Users of your organization (needs users.read)' })
  @ApiResponse({ status: 200, type: [UserDto], description: 'With pagination' })
  list(@Query() query: ListUsersQueryDto): Promise<PaginatedResult<UserDto>> {
    return this.users.list(query);
  }

  @Get(':id')
  @Permissions(PERMISSIONS.USERS_READ)
  @ApiOperation({ summary: 'One user (needs users.read)' })
  @ApiResponse({ status: 200, type: UserDto })
  @ApiNotFoundResponse({ description: 'No such user in your organization' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Post()
  @Permissions(PERMISSIONS.USERS_CREATE)
  @ResponseMessage('User created')
  @ApiOperation({ summary: 'Create a user with roles (needs users.create; you can only grant permissions you hold)' })
  @ApiResponse({ status: 201, type: UserDto })
  @ApiBadRequestResponse({ description: 'Validation failed or unknown role' })
  @ApiConflictResponse({ description: 'Email already used in this organization' })
  create(@Body() dto: CreateUserDto, @CurrentUser() principal: Principal): Promise<UserDto> {
    return this.users.create(dto, principal);
  }

  @Patch(':id')
  @Permissions(PERMISSIONS.USERS_UPDATE)
  @ResponseMessage('User updated')
  @ApiOperation({ summary: 'Change names, roles or status (needs users.update); applies on the next request' })
  @ApiResponse({ status: 200, type: UserDto })
  @ApiNotFoundResponse({ description: 'No such user in your organization' })
  @ApiConflictResponse({ description: 'Would leave the organization without an active admin' })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto, @CurrentUser() principal: Principal): Promise<UserDto> {
    return this.users.update(id, dto, principal);
  }

  @Delete(':id')
  @Permissions(PERMISSIONS.USERS_DELETE)
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('User deactivated')
  @ApiOperation({ summary: 'Deactivate a user and end all their sessions (needs users.delete)' })
  @ApiNotFoundResponse({ description: 'No such user in your organization' })
  @ApiConflictResponse({ description: 'The last active admin' })
  async remove(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() principal: Principal): Promise<null> {
    await this.users.deactivate(id, principal);
    return null;
  }
}
