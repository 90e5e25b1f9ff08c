import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../context/request-context';
import {
  isLockConflict,
  isUniqueViolation,
  TransactionRunner,
} from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { PaginatedResult } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { PasswordHasher } from '../../security/password-hasher.service';
import { ADMIN_ROLE } from '../../security/permissions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import type { Role } from '../roles/role.entity';
import { RolesRepository } from '../roles/roles.repository';
import type {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateProfileDto,
  UpdateUserDto,
} from './dto/users.dto';
import { UserDto } from './dto/users.dto';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'User not found');

function snapshot(user: User): Record<string, unknown> {
  return {
    firstName: user.firstName,
    lastName: user.lastName,
    status: user.status,
    roles: (user.roles ?? []).map((r) => r.name).sort(),
  };
}

/** User administration inside the caller's organization. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly transactions: TransactionRunner,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionControl,
    private readonly audit: AuditService,
  ) {}

  async list(query: ListUsersQueryDto): Promise<PaginatedResult<UserDto>> {
    const [users, total] = await this.users.findPage(query);
    return new PaginatedResult(
      users.map((user) => UserDto.from(user)),
      query.page,
      query.limit,
      total,
    );
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.users.findByIdWithRoles(id);
    if (!user) throw notFound();
    return UserDto.from(user);
  }

  async create(dto: CreateUserDto, actor: Principal): Promise<UserDto> {
    const roles = await this.rolesToGrant(dto.roles, actor);
    const { email } = dto;
    const conflict = () =>
      new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        'A user with this email already exists',
      );
    if (await this.users.findByEmail(email)) throw conflict();
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      const user = await this.users.insert(
        Object.assign(new User(), {
          email,
          passwordHash,
          firstName: dto.firstName,
          lastName: dto.lastName,
          status: 'active',
          lastLoginAt: null,
          roles,
          createdBy: actor.userId,
          updatedBy: actor.userId,
        }),
      );
      await this.audit.record({
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: snapshot(user),
      });
      return UserDto.from(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict();
      throw error;
    }
  }

  /**
   * Changes names, roles and status. Granting needs every permission granted; the last active
   * admin cannot lose admin or be disabled; changes apply to the user's next request everywhere.
   */
  async update(id: string, dto: UpdateUserDto, actor: Principal): Promise<UserDto> {
    const nextRoles = dto.roles ? await this.rolesToGrant(dto.roles, actor) : undefined;
    const { user, before } = await this.runLocked(async (manager) => {
      const users = this.users.transactional(manager);
      const current = await users.findByIdWithRoles(id);
      if (!current) throw notFound();
      const previous = snapshot(current);
      const roles = nextRoles ?? current.roles;
      const status = dto.status ?? current.status;
      await this.assertAdminRemains(manager, current, roles, status);
      Object.assign(current, {
        firstName: dto.firstName ?? current.firstName,
        lastName: dto.lastName ?? current.lastName,
        status,
        roles,
        updatedBy: actor.userId,
      });
      return { user: await users.save(current), before: previous };
    });
    const after = snapshot(user);
    if (after.status === 'disabled' && before.status !== 'disabled')
      await this.sessions.endAll(user.id);
    await this.sessions.invalidateIdentity(user.organizationId, user.id);
    const rolesChanged = JSON.stringify(before.roles) !== JSON.stringify(after.roles);
    const action =
      before.status !== after.status
        ? `user.${after.status === 'disabled' ? 'disabled' : 'enabled'}`
        : rolesChanged
          ? 'user.roles.changed'
          : 'user.updated';
    await this.audit.record({ action, entityType: 'user', entityId: user.id, before, after });
    return UserDto.from(user);
  }

  /** Deactivates the user (rows stay for the audit trail) and ends all their sessions. */
  async deactivate(id: string, actor: Principal): Promise<void> {
    await this.update(id, { status: 'disabled' }, actor);
  }

  async updateProfile(actor: Principal, dto: UpdateProfileDto): Promise<UserDto> {
    const user = await this.users.findByIdWithRoles(actor.userId);
    if (!user) throw notFound();
    const before = snapshot(user);
    await this.users.update(user.id, {
      firstName: dto.firstName ?? user.firstName,
      lastName: dto.lastName ?? user.lastName,
      updatedBy: actor.userId,
    });
    await this.sessions.invalidateIdentity(user.organizationId, user.id);
    const updated = await this.users.findByIdWithRoles(user.id);
    if (!updated) throw notFound();
    await this.audit.record({
      action: 'user.profile.updated',
      entityType: 'user',
      entityId: user.id,
      before,
      after: snapshot(updated),
    });
    return UserDto.from(updated);
  }

  /** Resolves role names and refuses to grant any permission the actor does not hold. */
  private async rolesToGrant(names: string[], actor: Principal): Promise<Role[]> {
    const roles = await this.roles.findByNames(names);
    const unknown = names.filter((name) => !roles.some((role) => role.name === name));
    if (unknown.length > 0) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        [{ field: 'roles', messages: [`unknown roles: ${unknown.join(', ')}`] }],
      );
    }
    const missing = [...new Set(roles.flatMap((role) => role.permissions))].filter(
      (code) => !actor.permissions.includes(code),
    );
    if (missing.length > 0) {
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        `You cannot grant permissions you do not hold: ${missing.join(', ')}`,
      );
    }
    return roles;
  }

  /**
   * MySQL may pick one of two concurrent admin changes as a deadlock victim (each locks the
   * admins the other is changing); it was rolled back whole, so it is a conflict to retry, not a 500.
   */
  private async runLocked<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.transactions.run(work);
    } catch (error) {
      if (isLockConflict(error))
        throw new AppException(
          HttpStatus.CONFLICT,
          ErrorCode.CONFLICT,
          'A concurrent change to these users won; try again',
        );
      throw error;
    }
  }

  private async assertAdminRemains(
    manager: EntityManager,
    user: User,
    roles: Role[],
    status: string,
  ): Promise<void> {
    const wasAdmin =
      user.status === 'active' && user.roles.some((role) => role.name === ADMIN_ROLE);
    const staysAdmin = status === 'active' && roles.some((role) => role.name === ADMIN_ROLE);
    if (!wasAdmin || staysAdmin) return;
    const admins = await this.users
      .transactional(manager)
      .findActiveIdsWithRole(ADMIN_ROLE, { lockForUpdate: true });
    if (admins.filter((adminId) => adminId !== user.id).length === 0) {
      throw new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        'The last active admin of the organization cannot be demoted, disabled or deleted',
      );
    }
  }
}
