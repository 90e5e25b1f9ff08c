import { HttpStatus, Injectable } from '@nestjs/common';
import type { Principal } from '../../context/request-context';
import { isUniqueViolation } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { ADMIN_ROLE } from '../../security/permissions';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import { UsersRepository } from '../users/users.repository';
import { type CreateRoleDto, RoleDto, type UpdateRoleDto } from './dto/roles.dto';
import { Role } from './role.entity';
import { RolesRepository } from './roles.repository';

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Role not found');
const taken = (name: string) =>
  new AppException(
    HttpStatus.CONFLICT,
    ErrorCode.CONFLICT,
    `A role named "${name}" already exists`,
  );

/** Custom roles per organization; built-in roles keep their names and cannot be deleted. */
@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly users: UsersRepository,
    private readonly sessions: SessionControl,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<RoleDto[]> {
    return (await this.roles.findAllOrdered()).map((role) => RoleDto.from(role));
  }

  async get(id: string): Promise<RoleDto> {
    const role = await this.roles.findById(id);
    if (!role) throw notFound();
    return RoleDto.from(role);
  }

  async create(dto: CreateRoleDto, actor: Principal): Promise<RoleDto> {
    this.assertHeld(dto.permissions, actor);
    if (await this.roles.findByName(dto.name)) throw taken(dto.name);
    try {
      const role = await this.roles.insert(
        Object.assign(new Role(), {
          name: dto.name,
          description: dto.description ?? null,
          permissions: [...new Set(dto.permissions)].sort(),
          isBuiltIn: false,
          createdBy: actor.userId,
          updatedBy: actor.userId,
        }),
      );
      await this.audit.record({
        action: 'role.created',
        entityType: 'role',
        entityId: role.id,
        after: { name: role.name, permissions: role.permissions },
      });
      return RoleDto.from(role);
    } catch (error) {
      if (isUniqueViolation(error)) throw taken(dto.name);
      throw error;
    }
  }

  async update(id: string, dto: UpdateRoleDto, actor: Principal): Promise<RoleDto> {
    const role = await this.roles.findById(id);
    if (!role) throw notFound();
    if (role.isBuiltIn && dto.name !== undefined && dto.name !== role.name) {
      throw new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        'Built-in roles cannot be renamed',
      );
    }
    if (role.name === ADMIN_ROLE && dto.permissions !== undefined) {
      throw new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        'The admin role always holds every permission',
      );
    }
    if (dto.permissions) this.assertHeld(dto.permissions, actor);
    if (dto.name && dto.name !== role.name && (await this.roles.findByName(dto.name)))
      throw taken(dto.name);
    const before = {
      name: role.name,
      description: role.description,
      permissions: role.permissions,
    };
    await this.roles.update(role.id, {
      name: dto.name ?? role.name,
      description: dto.description ?? role.description,
      permissions: dto.permissions ? [...new Set(dto.permissions)].sort() : role.permissions,
      updatedBy: actor.userId,
    });
    const updated = await this.roles.findById(role.id);
    if (!updated) throw notFound();
    await this.invalidateHolders(role.id);
    await this.audit.record({
      action: 'role.updated',
      entityType: 'role',
      entityId: role.id,
      before,
      after: {
        name: updated.name,
        description: updated.description,
        permissions: updated.permissions,
      },
    });
    return RoleDto.from(updated);
  }

  async remove(id: string): Promise<void> {
    const role = await this.roles.findById(id);
    if (!role) throw notFound();
    if (role.isBuiltIn)
      throw new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        'Built-in roles cannot be deleted',
      );
    if ((await this.users.findIdsWithRoleId(role.id)).length > 0) {
      throw new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        'The role is still assigned to users',
      );
    }
    await this.roles.delete(role.id);
    await this.audit.record({
      action: 'role.deleted',
      entityType: 'role',
      entityId: role.id,
      before: { name: role.name, permissions: role.permissions },
    });
  }

  private assertHeld(permissions: string[], actor: Principal): void {
    const missing = permissions.filter((code) => !actor.permissions.includes(code));
    if (missing.length > 0) {
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        `You cannot grant permissions you do not hold: ${missing.join(', ')}`,
      );
    }
  }

  /** Everyone holding the role gets their identity rebuilt on the next request. */
  private async invalidateHolders(roleId: string): Promise<void> {
    const organizationId = TenantContext.requireTenantId('roles.invalidateHolders');
    for (const userId of await this.users.findIdsWithRoleId(roleId)) {
      await this.sessions.invalidateIdentity(organizationId, userId);
    }
  }
}
