import type { EntityManager } from 'typeorm';
import type { UserPrincipal } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import { canonicalEmail } from '../../security/email';
import type { PasswordHasher } from '../../security/password-hasher.service';
import { ALL_PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import type { AuditService } from '../audit/audit.service';
import { Role } from '../roles/role.entity';
import type { RolesRepository } from '../roles/roles.repository';
import type { SessionControl } from '../sessions/session-control';
import { User } from './user.entity';
import type { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

type UsersMock = jest.Mocked<
  Pick<
    UsersRepository,
    | 'transactional'
    | 'findByIdWithRoles'
    | 'findByEmail'
    | 'insert'
    | 'save'
    | 'update'
    | 'findActiveIdsWithRole'
  >
>;
type RolesMock = jest.Mocked<Pick<RolesRepository, 'transactional' | 'findByNames'>>;

const ORG = '33333333-3333-4333-8333-333333333333';
const manager = {} as EntityManager;

function role(name: string, permissions: string[]): Role {
  return Object.assign(new Role(), { id: `role-${name}`, name, nameKey: name, permissions });
}
const ADMIN = role('admin', [...ALL_PERMISSIONS]);
const STAFF = role('staff', ['products.read', 'products.create', 'users.read']);
const HELPDESK = role('helpdesk', ['users.read', 'users.update']);

function user(id: string, roles: Role[], status: 'active' | 'disabled' = 'active'): User {
  return Object.assign(new User(), {
    id,
    organizationId: ORG,
    email: `${id}@acme.test`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    status,
    roles,
    lastLoginAt: null,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:00.000Z'),
  });
}

function actor(permissions: readonly string[]): UserPrincipal {
  return {
    kind: 'tenant',
    userId: 'actor',
    organizationId: ORG,
    email: 'actor@acme.test',
    roles: [],
    permissions: [...permissions],
    sessionId: 'session',
    tokenId: 'token',
    tokenExpiresAt: 0,
    identity: {} as UserPrincipal['identity'],
  };
}

describe('UsersService', () => {
  let users: UsersMock;
  let roles: RolesMock;
  let sessions: jest.Mocked<SessionControl>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let committed: boolean[];
  let service: UsersService;

  beforeEach(() => {
    users = {
      transactional: jest.fn(),
      findByIdWithRoles: jest.fn(),
      findByEmail: jest.fn().mockResolvedValue(null),
      insert: jest.fn(async (entity: User) =>
        Object.assign(entity, { id: 'new', createdAt: new Date(), updatedAt: new Date() }),
      ),
      save: jest.fn(async (entity: User) => entity),
      update: jest.fn().mockResolvedValue(true),
      findActiveIdsWithRole: jest.fn().mockResolvedValue([]),
    };
    users.transactional.mockReturnValue(users as unknown as UsersRepository);
    roles = { transactional: jest.fn(), findByNames: jest.fn().mockResolvedValue([]) };
    roles.transactional.mockReturnValue(roles as unknown as RolesRepository);
    sessions = { endAll: jest.fn().mockResolvedValue(1), invalidateIdentity: jest.fn() };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    committed = [];
    // Records whether each transaction's work succeeded (commit) or threw (rollback).
    const transactions: Pick<TransactionRunner, 'run'> = {
      run: async (work) => {
        try {
          const result = await work(manager);
          committed.push(true);
          return result;
        } catch (error) {
          committed.push(false);
          throw error;
        }
      },
    };
    const hasher: Pick<PasswordHasher, 'hash'> = { hash: jest.fn().mockResolvedValue('hash') };
    service = new UsersService(
      users as unknown as UsersRepository,
      roles as unknown as RolesRepository,
      transactions as TransactionRunner,
      hasher as PasswordHasher,
      sessions,
      audit as unknown as AuditService,
    );
  });

  describe('hierarchy', () => {
    it('refuses to disable a user holding permissions the actor lacks, and changes nothing', async () => {
      users.findByIdWithRoles.mockResolvedValue(user('founder', [ADMIN]));
      await expect(
        service.update('founder', { status: 'disabled' }, actor(HELPDESK.permissions)),
      ).rejects.toMatchObject({
        status: 403,
        code: 'FORBIDDEN',
        message: expect.stringMatching(
          /^You cannot change a user who holds permissions you do not hold: /,
        ) as unknown,
      });
      expect(users.save).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
      expect(sessions.endAll).not.toHaveBeenCalled();
      expect(committed).toEqual([false]);
    });

    it('refuses deactivation the same way', async () => {
      users.findByIdWithRoles.mockResolvedValue(user('staff', [STAFF]));
      await expect(
        service.deactivate('staff', actor([...HELPDESK.permissions, 'users.delete'])),
      ).rejects.toMatchObject({ status: 403 });
      expect(users.save).not.toHaveBeenCalled();
    });

    it('refuses to grant a role with a permission the actor lacks', async () => {
      users.findByIdWithRoles.mockResolvedValue(user('nobody', []));
      roles.findByNames.mockResolvedValue([STAFF]);
      await expect(
        service.update('nobody', { roles: ['staff'] }, actor(HELPDESK.permissions)),
      ).rejects.toMatchObject({
        status: 403,
        message: 'You cannot grant permissions you do not hold: products.create, products.read',
      });
      await expect(
        service.create(
          {
            email: canonicalEmail('x@acme.test'),
            password: 'pw',
            firstName: 'X',
            lastName: 'Y',
            roles: ['staff'],
          },
          actor(HELPDESK.permissions),
        ),
      ).rejects.toMatchObject({ status: 403 });
      expect(users.insert).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
    });

    it('acts on a user whose permissions the actor holds', async () => {
      users.findByIdWithRoles.mockResolvedValue(user('reader', [role('reader', ['users.read'])]));
      await service.update('reader', { firstName: 'Grace' }, actor(HELPDESK.permissions));
      expect(users.save).toHaveBeenCalledWith(
        expect.objectContaining({ firstName: 'Grace', updatedBy: 'actor' }),
      );
    });
  });

  it('keeps the last active admin: no demotion, no disabling', async () => {
    users.findByIdWithRoles.mockResolvedValue(user('founder', [ADMIN]));
    users.findActiveIdsWithRole.mockResolvedValue(['founder']);
    for (const change of [{ status: 'disabled' as const }, { roles: [] }]) {
      await expect(service.update('founder', change, actor(ALL_PERMISSIONS))).rejects.toMatchObject(
        {
          status: 409,
          code: 'CONFLICT',
        },
      );
    }
    expect(users.findActiveIdsWithRole).toHaveBeenCalledWith('admin', { lockForUpdate: true });
    expect(audit.record).not.toHaveBeenCalled();

    await expect(service.deactivate('founder', actor(ALL_PERMISSIONS))).rejects.toMatchObject({
      status: 409,
    });
    expect(users.save).not.toHaveBeenCalled();

    users.findActiveIdsWithRole.mockResolvedValue(['founder', 'second']);
    await service.update('founder', { status: 'disabled' }, actor(ALL_PERMISSIONS));
    expect(users.save).toHaveBeenCalledTimes(1);
  });

  it('refuses an email the organization already has (409), before and at the insert', async () => {
    const dto = {
      email: canonicalEmail('taken@acme.test'),
      password: 'pw',
      firstName: 'T',
      lastName: 'K',
      roles: [],
    };
    users.findByEmail.mockResolvedValueOnce(user('taken', []));
    await expect(service.create(dto, actor(ALL_PERMISSIONS))).rejects.toMatchObject({
      status: 409,
      code: 'CONFLICT',
      message: 'A user with this email already exists',
    });
    expect(users.findByEmail).toHaveBeenCalledWith('taken@acme.test');
    expect(users.insert).not.toHaveBeenCalled();

    // A concurrent create of the same email loses on the unique index.
    users.insert.mockRejectedValueOnce(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' }));
    await expect(service.create(dto, actor(ALL_PERMISSIONS))).rejects.toMatchObject({
      status: 409,
    });
    expect(audit.record).not.toHaveBeenCalled();
    expect(committed).toEqual([false]);
  });

  it('refuses unknown role names with 400 on roles', async () => {
    users.findByIdWithRoles.mockResolvedValue(user('u', []));
    roles.findByNames.mockResolvedValue([STAFF]);
    await expect(
      service.update('u', { roles: ['staff', 'ghost'] }, actor(ALL_PERMISSIONS)),
    ).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
      details: [{ field: 'roles', messages: ['unknown roles: ghost'] }],
    });
    expect(users.save).not.toHaveBeenCalled();
  });

  it('audits a disabling in the same transaction, and ends sessions only after it committed', async () => {
    users.findByIdWithRoles.mockResolvedValue(user('staff', [STAFF]));
    await service.update('staff', { status: 'disabled' }, actor(ALL_PERMISSIONS));
    expect(audit.record).toHaveBeenCalledWith(
      {
        action: AuditAction.USER_DISABLED,
        entityType: 'user',
        entityId: 'staff',
        before: expect.objectContaining({ status: 'active' }) as unknown,
        after: expect.objectContaining({ status: 'disabled' }) as unknown,
      },
      manager,
    );
    expect(committed).toEqual([true]);
    expect(sessions.endAll).toHaveBeenCalledWith(ORG, 'staff');
    expect(sessions.invalidateIdentity).toHaveBeenCalledWith(ORG, 'staff');
    expect(audit.record.mock.invocationCallOrder[0]).toBeLessThan(
      sessions.endAll.mock.invocationCallOrder[0],
    );
  });

  it('names role changes, re-enabling and plain edits by what changed', async () => {
    users.findByIdWithRoles.mockResolvedValue(user('u', [STAFF]));
    roles.findByNames.mockResolvedValue([role('client', ['products.read'])]);
    await service.update('u', { roles: ['client'] }, actor(ALL_PERMISSIONS));
    users.findByIdWithRoles.mockResolvedValue(user('u', [STAFF], 'disabled'));
    await service.update('u', { status: 'active' }, actor(ALL_PERMISSIONS));
    users.findByIdWithRoles.mockResolvedValue(user('u', [STAFF]));
    await service.update('u', { lastName: 'Hopper' }, actor(ALL_PERMISSIONS));
    expect(audit.record.mock.calls.map(([entry]) => entry.action)).toEqual([
      AuditAction.USER_ROLES_CHANGED,
      AuditAction.USER_ENABLED,
      AuditAction.USER_UPDATED,
    ]);
    // Only a disabling ends sessions; every change drops the cached identity.
    expect(sessions.endAll).not.toHaveBeenCalled();
    expect(sessions.invalidateIdentity).toHaveBeenCalledTimes(3);
  });

  it('rolls back and ends nothing when the audit row cannot be written', async () => {
    users.findByIdWithRoles.mockResolvedValue(user('staff', [STAFF]));
    const failure = new Error('audit insert failed');
    audit.record.mockRejectedValueOnce(failure);
    await expect(
      service.update('staff', { status: 'disabled' }, actor(ALL_PERMISSIONS)),
    ).rejects.toBe(failure);
    expect(committed).toEqual([false]);
    expect(sessions.endAll).not.toHaveBeenCalled();
    expect(sessions.invalidateIdentity).not.toHaveBeenCalled();
  });

  it('audits a creation and a profile edit in their transactions', async () => {
    await service.create(
      {
        email: canonicalEmail('new@acme.test'),
        password: 'pw',
        firstName: 'N',
        lastName: 'P',
        roles: [],
      },
      actor(ALL_PERMISSIONS),
    );
    users.findByIdWithRoles.mockResolvedValue(user('actor', []));
    await service.updateProfile(actor([]), { firstName: 'Me' });
    expect(
      audit.record.mock.calls.map(([entry, transaction]) => [entry.action, transaction]),
    ).toEqual([
      [AuditAction.USER_CREATED, manager],
      [AuditAction.USER_PROFILE_UPDATED, manager],
    ]);
    expect(committed).toEqual([true, true]);
  });
});
