import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal, UserPrincipal } from '../../context/request-context';
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
import { type AuditActionCode, AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import { assertHoldsAll } from '../roles/permission-hierarchy';
import type { Role } from '../roles/role.entity';
import { permissionsOf, rolesToGrant } from '../roles/role-grants';
import { RolesRepository } from '../roles/roles.repository';
import type {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateProfileDto,
  UpdateUserDto,
} from './dto/users.dto';
import { UserResponseDto } from './dto/users.dto';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'User not found');
const emailTaken = () =>
  new AppException(
    HttpStatus.CONFLICT,
    ErrorCode.CONFLICT,
    'A user with this email already exists',
  );

interface UserSnapshot extends Record<string, unknown> {
  firstName: string;
  lastName: string;
  status: string;
  roles: string[];
}

function snapshot(user: User): UserSnapshot {
  return {
    firstName: user.firstName,
    lastName: user.lastName,
    status: user.status,
    roles: (user.roles ?? []).map((r) => r.name).sort(),
  };
}

/** Which change an update was, for the audit log: status first, then roles, then names. */
function updateAction(before: UserSnapshot, after: UserSnapshot): AuditActionCode {
  if (before.status !== after.status)
    return after.status === 'disabled' ? AuditAction.USER_DISABLED : AuditAction.USER_ENABLED;
  if (before.roles.join() !== after.roles.join()) return AuditAction.USER_ROLES_CHANGED;
  return AuditAction.USER_UPDATED;
}

/**
 * User administration inside the caller's organization. Nobody acts on a user holding a
 * permission they lack, or grants one (permission-hierarchy.ts); the last active admin stays.
 * Each write commits with its audit row; sessions and cached identities are ended or
 * invalidated after the commit, so a rolled-back change ends nothing.
 */
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

  async list(query: ListUsersQueryDto): Promise<PaginatedResult<UserResponseDto>> {
    const [users, total] = await this.users.findPage(query);
    return new PaginatedResult(
      users.map((user) => UserResponseDto.from(user)),
      query.page,
      query.limit,
      total,
    );
  }

  async get(id: string): Promise<UserResponseDto> {
    const user = await this.users.findByIdWithRoles(id);
    if (!user) throw notFound();
    return UserResponseDto.from(user);
  }

  async create(dto: CreateUserDto, actor: Principal): Promise<UserResponseDto> {
    const { email } = dto;
    const roles = await rolesToGrant(this.roles, dto.roles, actor);
    if (await this.users.findByEmail(email)) throw emailTaken();
    // Hashed before the transaction: bcrypt's cost must not hold a connection (or SQLite's queue).
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      const user = await this.transactions.run(async (manager) => {
        const inserted = await this.users.transactional(manager).insert(
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
        await this.audit.record(
          {
            action: AuditAction.USER_CREATED,
            entityType: 'user',
            entityId: inserted.id,
            after: snapshot(inserted),
          },
          manager,
        );
        return inserted;
      });
      return UserResponseDto.from(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }

  /**
   * Changes names, roles and status; applies to the user's next request everywhere. The actor
   * must hold every permission the user holds now and every one the new roles grant; the last
   * active admin cannot lose admin or be disabled.
   */
  async update(id: string, dto: UpdateUserDto, actor: Principal): Promise<UserResponseDto> {
    const { user, before, after } = await this.runLocked(async (manager) => {
      const users = this.users.transactional(manager);
      const current = await users.findByIdWithRoles(id);
      if (!current) throw notFound();
      assertHoldsAll(actor, permissionsOf(current.roles), 'change a user who holds');
      const roles = dto.roles
        ? await rolesToGrant(this.roles.transactional(manager), dto.roles, actor)
        : current.roles;
      const status = dto.status ?? current.status;
      await this.assertAdminRemains(manager, current, roles, status);
      const previous = snapshot(current);
      Object.assign(current, {
        firstName: dto.firstName ?? current.firstName,
        lastName: dto.lastName ?? current.lastName,
        status,
        roles,
        updatedBy: actor.userId,
      });
      const saved = await users.save(current);
      const next = snapshot(saved);
      await this.audit.record(
        {
          action: updateAction(previous, next),
          entityType: 'user',
          entityId: saved.id,
          before: previous,
          after: next,
        },
        manager,
      );
      return { user: saved, before: previous, after: next };
    });
    if (after.status === 'disabled' && before.status !== 'disabled')
      await this.sessions.endAll(user.organizationId, user.id);
    await this.sessions.invalidateIdentity(user.organizationId, user.id);
    return UserResponseDto.from(user);
  }

  /** Deactivates the user (rows stay for the audit trail) and ends all their sessions. */
  async deactivate(id: string, actor: Principal): Promise<void> {
    await this.update(id, { status: 'disabled' }, actor);
  }

  async updateProfile(actor: UserPrincipal, dto: UpdateProfileDto): Promise<UserResponseDto> {
    const updated = await this.transactions.run(async (manager) => {
      const users = this.users.transactional(manager);
      const user = await users.findByIdWithRoles(actor.userId);
      if (!user) throw notFound();
      const before = snapshot(user);
      await users.update(user.id, {
        firstName: dto.firstName ?? user.firstName,
        lastName: dto.lastName ?? user.lastName,
        updatedBy: actor.userId,
      });
      const saved = await users.findByIdWithRoles(user.id);
      if (!saved) throw notFound();
      await this.audit.record(
        {
          action: AuditAction.USER_PROFILE_UPDATED,
          entityType: 'user',
          entityId: user.id,
          before,
          after: snapshot(saved),
        },
        manager,
      );
      return saved;
    });
    await this.sessions.invalidateIdentity(updated.organizationId, updated.id);
    return UserResponseDto.from(updated);
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
