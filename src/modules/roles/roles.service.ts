import { HttpStatus, Injectable } from '@nestjs/common';
import type { Principal } from '../../context/request-context';
import { isUniqueViolation, TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { ADMIN_ROLE } from '../../security/permissions';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import { UsersRepository } from '../users/users.repository';
import { type CreateRoleDto, RoleResponseDto, type UpdateRoleDto } from './dto/roles.dto';
import { assertHoldsAll } from './permission-hierarchy';
import { Role } from './role.entity';
import { isReservedRoleName, roleNameKey } from './role-name';
import { RolesRepository } from './roles.repository';

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Role not found');
const taken = (name: string) =>
  new AppException(
    HttpStatus.CONFLICT,
    ErrorCode.CONFLICT,
    `A role named "${name}" already exists`,
  );
const conflict = (message: string) =>
  new AppException(HttpStatus.CONFLICT, ErrorCode.CONFLICT, message);

function assertNotReserved(name: string): void {
  if (isReservedRoleName(name))
    throw new AppException(
      HttpStatus.BAD_REQUEST,
      ErrorCode.VALIDATION_ERROR,
      'Validation failed',
      [{ field: 'name', messages: [`the role name "${roleNameKey(name)}" is reserved`] }],
    );
}

function snapshot(role: Role): Record<string, unknown> {
  return { name: role.name, description: role.description, permissions: role.permissions };
}

/**
 * Custom roles per organization; built-in roles keep their names and cannot be deleted. Nobody
 * creates, edits or deletes a role beyond their own permissions. Each write commits with its
 * audit row; holders' cached identities are invalidated after the commit.
 */
@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly users: UsersRepository,
    private readonly transactions: TransactionRunner,
    private readonly sessions: SessionControl,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<RoleResponseDto[]> {
    return (await this.roles.findAllOrdered()).map((role) => RoleResponseDto.from(role));
  }

  async get(id: string): Promise<RoleResponseDto> {
    const role = await this.roles.findById(id);
    if (!role) throw notFound();
    return RoleResponseDto.from(role);
  }

  async create(dto: CreateRoleDto, actor: Principal): Promise<RoleResponseDto> {
    assertNotReserved(dto.name);
    assertHoldsAll(actor, dto.permissions, 'grant');
    try {
      const role = await this.transactions.run(async (manager) => {
        const roles = this.roles.transactional(manager);
        if (await roles.findByName(dto.name)) throw taken(dto.name);
        const inserted = await roles.insert(
          Object.assign(new Role(), {
            name: dto.name,
            description: dto.description ?? null,
            permissions: [...new Set(dto.permissions)].sort(),
            isBuiltIn: false,
            createdBy: actor.userId,
            updatedBy: actor.userId,
          }),
        );
        await this.audit.record(
          {
            action: AuditAction.ROLE_CREATED,
            entityType: 'role',
            entityId: inserted.id,
            after: snapshot(inserted),
          },
          manager,
        );
        return inserted;
      });
      return RoleResponseDto.from(role);
    } catch (error) {
      if (isUniqueViolation(error)) throw taken(dto.name);
      throw error;
    }
  }

  async update(id: string, dto: UpdateRoleDto, actor: Principal): Promise<RoleResponseDto> {
    try {
      const updated = await this.transactions.run(async (manager) => {
        const roles = this.roles.transactional(manager);
        const role = await roles.findById(id);
        if (!role) throw notFound();
        assertHoldsAll(actor, role.permissions, 'change a role that holds');
        const newName =
          dto.name !== undefined && roleNameKey(dto.name) !== role.nameKey ? dto.name : undefined;
        if (role.isBuiltIn && dto.name !== undefined && dto.name !== role.name)
          throw conflict('Built-in roles cannot be renamed');
        if (role.name === ADMIN_ROLE && dto.permissions !== undefined)
          throw conflict('The admin role always holds every permission');
        if (dto.permissions) assertHoldsAll(actor, dto.permissions, 'grant');
        if (newName !== undefined) {
          assertNotReserved(newName);
          if (await roles.findByName(newName)) throw taken(newName);
        }
        const before = snapshot(role);
        Object.assign(role, {
          name: dto.name ?? role.name,
          description: dto.description ?? role.description,
          permissions: dto.permissions ? [...new Set(dto.permissions)].sort() : role.permissions,
          updatedBy: actor.userId,
        });
        const saved = await roles.save(role);
        await this.audit.record(
          {
            action: AuditAction.ROLE_UPDATED,
            entityType: 'role',
            entityId: role.id,
            before,
            after: snapshot(saved),
          },
          manager,
        );
        return saved;
      });
      await this.invalidateHolders(updated.id);
      return RoleResponseDto.from(updated);
    } catch (error) {
      if (isUniqueViolation(error) && dto.name !== undefined) throw taken(dto.name);
      throw error;
    }
  }

  async remove(id: string, actor: Principal): Promise<void> {
    await this.transactions.run(async (manager) => {
      const role = await this.roles.transactional(manager).findById(id);
      if (!role) throw notFound();
      if (role.isBuiltIn) throw conflict('Built-in roles cannot be deleted');
      assertHoldsAll(actor, role.permissions, 'change a role that holds');
      if ((await this.users.transactional(manager).findIdsWithRoleId(role.id)).length > 0)
        throw conflict('The role is still assigned to users');
      await this.roles.transactional(manager).delete(role.id);
      await this.audit.record(
        {
          action: AuditAction.ROLE_DELETED,
          entityType: 'role',
          entityId: role.id,
          before: snapshot(role),
        },
        manager,
      );
    });
  }

  /** Everyone holding the role gets their identity rebuilt on the next request. */
  private async invalidateHolders(roleId: string): Promise<void> {
    const organizationId = TenantContext.requireTenantId('roles.invalidateHolders');
    for (const userId of await this.users.findIdsWithRoleId(roleId)) {
      await this.sessions.invalidateIdentity(organizationId, userId);
    }
  }
}
