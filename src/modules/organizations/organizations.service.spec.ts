import type { EntityManager } from 'typeorm';
import { RequestContext } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import { AuditAction } from '../audit/audit-actions';
import type { SystemScope } from '../../tenancy/system-scope.service';
import type { AuditService } from '../audit/audit.service';
import type { SessionControl } from '../sessions/session-control';
import type { UsersRepository } from '../users/users.repository';
import { Organization } from './organization.entity';
import type { OrganizationsRepository } from './organizations.repository';
import { OrganizationsService } from './organizations.service';

type OrganizationsMock = jest.Mocked<Pick<OrganizationsRepository, 'findByIdForUpdate' | 'update'>>;

const ORG = '33333333-3333-4333-8333-333333333333';
const manager = {} as EntityManager;

function stored(overrides: Partial<Organization> = {}): Organization {
  return Object.assign(new Organization(), {
    id: ORG,
    name: 'Acme',
    subdomain: 'acme',
    status: 'active',
    settings: { locale: 'en-GB' },
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:00.000Z'),
    ...overrides,
  });
}

const asTenant = <T>(work: () => Promise<T>): Promise<T> =>
  RequestContext.run({ requestId: 'test', tenant: { id: ORG, subdomain: 'acme' } }, work);

describe('OrganizationsService', () => {
  let organizations: OrganizationsMock;
  let users: jest.Mocked<Pick<UsersRepository, 'findAllIds'>>;
  let sessions: jest.Mocked<SessionControl>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let service: OrganizationsService;

  beforeEach(() => {
    organizations = { findByIdForUpdate: jest.fn(), update: jest.fn() };
    users = { findAllIds: jest.fn().mockResolvedValue(['u1', 'u2']) };
    sessions = { endAll: jest.fn().mockResolvedValue(1), invalidateIdentity: jest.fn() };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    const transactions: Pick<TransactionRunner, 'run'> = { run: (work) => work(manager) };
    const systemScope: Pick<SystemScope, 'asTenant'> = {
      asTenant: (tenant, _reason, work) =>
        RequestContext.run(
          { requestId: 'job', tenant: { id: tenant.id, subdomain: tenant.subdomain } },
          work,
        ),
    };
    service = new OrganizationsService(
      organizations as unknown as OrganizationsRepository,
      users as unknown as UsersRepository,
      transactions as TransactionRunner,
      sessions,
      audit as unknown as AuditService,
      systemScope as SystemScope,
    );
  });

  it('updates and audits through one transaction, then invalidates the members', async () => {
    organizations.findByIdForUpdate
      .mockResolvedValueOnce(stored())
      .mockResolvedValueOnce(stored({ name: 'Acme Ltd' }));
    const result = await asTenant(() => service.updateCurrent({ name: 'Acme Ltd' }));
    expect(result.name).toBe('Acme Ltd');
    expect(organizations.update).toHaveBeenCalledWith(
      ORG,
      { name: 'Acme Ltd', settings: { locale: 'en-GB' } },
      manager,
    );
    expect(audit.record).toHaveBeenCalledWith(
      {
        action: AuditAction.ORGANIZATION_UPDATED,
        entityType: 'organization',
        entityId: ORG,
        before: { name: 'Acme', status: 'active', settings: { locale: 'en-GB' } },
        after: { name: 'Acme Ltd', status: 'active', settings: { locale: 'en-GB' } },
      },
      manager,
    );
    expect(sessions.invalidateIdentity.mock.calls).toEqual([
      [ORG, 'u1'],
      [ORG, 'u2'],
    ]);
  });

  it('fails whole, invalidating nobody, when the audit row cannot be written', async () => {
    organizations.findByIdForUpdate.mockResolvedValue(stored());
    audit.record.mockRejectedValueOnce(new Error('audit insert failed'));
    await expect(asTenant(() => service.updateCurrent({ name: 'X' }))).rejects.toThrow(
      'audit insert failed',
    );
    expect(sessions.invalidateIdentity).not.toHaveBeenCalled();
  });

  it('suspends with an audit row for the organization, then ends every member session', async () => {
    organizations.findByIdForUpdate
      .mockResolvedValueOnce(stored())
      .mockResolvedValueOnce(stored({ status: 'suspended' }));
    await service.setStatus(ORG, 'suspended');
    expect(organizations.update).toHaveBeenCalledWith(ORG, { status: 'suspended' }, manager);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: AuditAction.ORGANIZATION_SUSPENDED,
        organizationId: ORG,
        entityId: ORG,
      }),
      manager,
    );
    expect(sessions.endAll.mock.calls).toEqual([
      [ORG, 'u1'],
      [ORG, 'u2'],
    ]);
    expect(audit.record.mock.invocationCallOrder[0]).toBeLessThan(
      sessions.endAll.mock.invocationCallOrder[0],
    );
  });

  it('audits a reactivation and ends no session, only dropping cached identities', async () => {
    organizations.findByIdForUpdate
      .mockResolvedValueOnce(stored({ status: 'suspended' }))
      .mockResolvedValueOnce(stored());
    await service.setStatus(ORG, 'active');
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: AuditAction.ORGANIZATION_REACTIVATED,
        organizationId: ORG,
        before: expect.objectContaining({ status: 'suspended' }) as unknown,
        after: expect.objectContaining({ status: 'active' }) as unknown,
      }),
      manager,
    );
    expect(sessions.endAll).not.toHaveBeenCalled();
    expect(sessions.invalidateIdentity.mock.calls).toEqual([
      [ORG, 'u1'],
      [ORG, 'u2'],
    ]);
  });

  it('ends no session when the suspension could not be audited', async () => {
    organizations.findByIdForUpdate.mockResolvedValue(stored());
    audit.record.mockRejectedValueOnce(new Error('audit insert failed'));
    await expect(service.setStatus(ORG, 'suspended')).rejects.toThrow('audit insert failed');
    expect(sessions.endAll).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown organization, writing nothing', async () => {
    organizations.findByIdForUpdate.mockResolvedValue(null);
    await expect(service.setStatus(ORG, 'active')).rejects.toMatchObject({ status: 404 });
    expect(organizations.update).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });
});
