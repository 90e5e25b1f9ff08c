import type { EntityManager } from 'typeorm';
import type { UserPrincipal } from '../../context/request-context';
import { RequestContext } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import { ALL_PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import type { AuditService } from '../audit/audit.service';
import type { SessionControl } from '../sessions/session-control';
import type { UsersRepository } from '../users/users.repository';
import { Role } from './role.entity';
import { roleNameKey } from './role-name';
import type { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';

type RolesMock = jest.Mocked<
  Pick<RolesRepository, 'transactional' | 'findById' | 'findByName' | 'insert' | 'save' | 'delete'>
>;
type UsersMock = jest.Mocked<Pick<UsersRepository, 'transactional' | 'findIdsWithRoleId'>>;

const ORG = '33333333-3333-4333-8333-333333333333';
const manager = {} as EntityManager;

function stored(name: string, permissions: string[], isBuiltIn = false): Role {
  return Object.assign(new Role(), {
    id: `role-${name}`,
    organizationId: ORG,
    name,
    nameKey: roleNameKey(name),
    description: null,
    permissions,
    isBuiltIn,
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

const asTenant = <T>(work: () => Promise<T>): Promise<T> =>
  RequestContext.run({ requestId: 'test', tenant: { id: ORG, subdomain: 'acme' } }, work);

const MANAGER = ['roles.manage', 'users.read'];

describe('RolesService', () => {
  let roles: RolesMock;
  let users: UsersMock;
  let sessions: jest.Mocked<SessionControl>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let service: RolesService;

  beforeEach(() => {
    roles = {
      transactional: jest.fn(),
      findById: jest.fn(),
      findByName: jest.fn().mockResolvedValue(null),
      insert: jest.fn(async (role: Role) =>
        Object.assign(role, { id: 'new', createdAt: new Date(), updatedAt: new Date() }),
      ),
      save: jest.fn(async (role: Role) => role),
      delete: jest.fn().mockResolvedValue(true),
    };
    roles.transactional.mockReturnValue(roles as unknown as RolesRepository);
    users = { transactional: jest.fn(), findIdsWithRoleId: jest.fn().mockResolvedValue([]) };
    users.transactional.mockReturnValue(users as unknown as UsersRepository);
    sessions = { endAll: jest.fn(), invalidateIdentity: jest.fn() };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    const transactions: Pick<TransactionRunner, 'run'> = { run: (work) => work(manager) };
    service = new RolesService(
      roles as unknown as RolesRepository,
      users as unknown as UsersRepository,
      transactions as TransactionRunner,
      sessions,
      audit as unknown as AuditService,
    );
  });

  describe('reserved names', () => {
    it.each([
      'superuser',
      'ＳＵＰＥＲＵＳＥＲ',
      'ſuperuser',
      'super\u200Buser',
      'Root ',
      'platform',
      'system',
      'admin',
      'Staff',
      'client',
    ])('refuses to create %j (400)', async (name) => {
      await expect(
        service.create({ name, permissions: [] }, actor(ALL_PERMISSIONS)),
      ).rejects.toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
      expect(roles.insert).not.toHaveBeenCalled();
    });

    it('refuses a rename to a reserved name, but lets a legacy name be kept', async () => {
      roles.findById.mockResolvedValue(stored('support', ['users.read']));
      await expect(
        service.update('role-support', { name: 'ROOT' }, actor(ALL_PERMISSIONS)),
      ).rejects.toMatchObject({ status: 400 });
      roles.findById.mockResolvedValue(stored('root', ['users.read']));
      await asTenant(() =>
        service.update(
          'role-root',
          { name: 'root', description: 'legacy' },
          actor(ALL_PERMISSIONS),
        ),
      );
      expect(roles.save).toHaveBeenCalledTimes(1);
    });
  });

  it('refuses a name another role has under the same key (409)', async () => {
    roles.findByName.mockResolvedValue(stored('support', []));
    await expect(
      service.create({ name: 'support', permissions: [] }, actor(ALL_PERMISSIONS)),
    ).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
    roles.findById.mockResolvedValue(stored('billing', []));
    await expect(
      service.update('role-billing', { name: 'support' }, actor(ALL_PERMISSIONS)),
    ).rejects.toMatchObject({ status: 409 });
    expect(audit.record).not.toHaveBeenCalled();
  });

  describe('hierarchy', () => {
    it('refuses to create a role granting a permission the actor lacks', async () => {
      await expect(
        service.create({ name: 'auditors', permissions: ['audit.read'] }, actor(MANAGER)),
      ).rejects.toMatchObject({
        status: 403,
        message: 'You cannot grant permissions you do not hold: audit.read',
      });
    });

    it('refuses to edit or delete a role holding a permission the actor lacks', async () => {
      roles.findById.mockResolvedValue(stored('catalogue', ['products.read', 'users.read']));
      await expect(
        service.update('role-catalogue', { description: 'mine now' }, actor(MANAGER)),
      ).rejects.toMatchObject({
        status: 403,
        message: 'You cannot change a role that holds permissions you do not hold: products.read',
      });
      await expect(service.remove('role-catalogue', actor(MANAGER))).rejects.toMatchObject({
        status: 403,
      });
      expect(roles.save).not.toHaveBeenCalled();
      expect(roles.delete).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
    });

    it('refuses to add a permission the actor lacks to a role they may edit', async () => {
      roles.findById.mockResolvedValue(stored('support', ['users.read']));
      await expect(
        service.update(
          'role-support',
          { permissions: ['users.read', 'audit.read'] },
          actor(MANAGER),
        ),
      ).rejects.toMatchObject({
        status: 403,
        message: 'You cannot grant permissions you do not hold: audit.read',
      });
      expect(roles.save).not.toHaveBeenCalled();
    });
  });

  it('keeps built-in roles as defined: no rename, and admin keeps every permission (409)', async () => {
    roles.findById.mockResolvedValue(stored('staff', ['products.read'], true));
    await expect(
      service.update('role-staff', { name: 'crew' }, actor(ALL_PERMISSIONS)),
    ).rejects.toMatchObject({ status: 409, message: 'Built-in roles cannot be renamed' });
    roles.findById.mockResolvedValue(stored('admin', [...ALL_PERMISSIONS], true));
    await expect(
      service.update('role-admin', { permissions: ['users.read'] }, actor(ALL_PERMISSIONS)),
    ).rejects.toMatchObject({
      status: 409,
      message: 'The admin role always holds every permission',
    });
    expect(roles.save).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('audits a creation in its transaction', async () => {
    await service.create(
      { name: 'support', permissions: ['users.read', 'users.read'] },
      actor(MANAGER),
    );
    expect(audit.record).toHaveBeenCalledWith(
      {
        action: AuditAction.ROLE_CREATED,
        entityType: 'role',
        entityId: 'new',
        after: { name: 'support', description: null, permissions: ['users.read'] },
      },
      manager,
    );
  });

  it('audits an update in its transaction, then invalidates the holders', async () => {
    roles.findById.mockResolvedValue(stored('support', ['users.read']));
    users.findIdsWithRoleId.mockResolvedValue(['u1', 'u2']);
    await asTenant(() =>
      service.update('role-support', { permissions: ['roles.manage'] }, actor(MANAGER)),
    );
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: AuditAction.ROLE_UPDATED,
        before: expect.objectContaining({ permissions: ['users.read'] }) as unknown,
        after: expect.objectContaining({ permissions: ['roles.manage'] }) as unknown,
      }),
      manager,
    );
    expect(sessions.invalidateIdentity.mock.calls).toEqual([
      [ORG, 'u1'],
      [ORG, 'u2'],
    ]);
    expect(audit.record.mock.invocationCallOrder[0]).toBeLessThan(
      sessions.invalidateIdentity.mock.invocationCallOrder[0],
    );
  });

  it('invalidates nobody when the audit row cannot be written', async () => {
    roles.findById.mockResolvedValue(stored('support', ['users.read']));
    users.findIdsWithRoleId.mockResolvedValue(['u1']);
    audit.record.mockRejectedValueOnce(new Error('audit insert failed'));
    await expect(
      asTenant(() => service.update('role-support', { description: 'x' }, actor(MANAGER))),
    ).rejects.toThrow('audit insert failed');
    expect(sessions.invalidateIdentity).not.toHaveBeenCalled();
  });

  it('deletes an unassigned custom role with its audit row; never a built-in or assigned one', async () => {
    roles.findById.mockResolvedValue(stored('client', ['products.read'], true));
    await expect(service.remove('role-client', actor(ALL_PERMISSIONS))).rejects.toMatchObject({
      status: 409,
    });
    roles.findById.mockResolvedValue(stored('support', ['users.read']));
    users.findIdsWithRoleId.mockResolvedValueOnce(['u1']);
    await expect(service.remove('role-support', actor(ALL_PERMISSIONS))).rejects.toMatchObject({
      status: 409,
    });
    await service.remove('role-support', actor(MANAGER));
    expect(roles.delete).toHaveBeenCalledWith('role-support');
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ action: AuditAction.ROLE_DELETED, entityId: 'role-support' }),
      manager,
    );
  });
});
