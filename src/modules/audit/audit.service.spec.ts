import type { Logger } from 'pino';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import {
  type ContextStore,
  type UserPrincipal,
  RequestContext,
} from '../../context/request-context';
import { PLATFORM_ID } from '../../context/platform';
import { AuditAction } from './audit-actions';
import type { AuditLog } from './audit-log.entity';
import { AUDIT_VALUE_MAX_BYTES } from './audit-values';
import { AuditService } from './audit.service';

const ORG = '33333333-3333-4333-8333-333333333333';

function principal(organizationId: string, userId: string): UserPrincipal {
  return {
    kind: organizationId === PLATFORM_ID ? 'platform' : 'tenant',
    userId,
    organizationId,
    email: `${userId}@example.test`,
    roles: [],
    permissions: [],
    sessionId: 'session',
    tokenId: 'token',
    tokenExpiresAt: 0,
    identity: {} as UserPrincipal['identity'],
  };
}

const request = (who: UserPrincipal): ContextStore => ({
  requestId: 'req-1',
  ip: '203.0.113.7',
  userAgent: 'Console/1.0',
  principal: who,
});

describe('AuditService', () => {
  let save: jest.Mock<Promise<unknown>, [AuditLog[]]>;
  let manager: EntityManager;
  let service: AuditService;

  beforeEach(() => {
    save = jest.fn((rows: AuditLog[]) => Promise.resolve(rows));
    const repository = { save } as unknown as Repository<AuditLog>;
    manager = { getRepository: () => repository } as unknown as EntityManager;
    const logger = { info: jest.fn() } as unknown as Logger;
    service = new AuditService({ manager } as unknown as DataSource, logger);
  });

  const saved = (): AuditLog[] => save.mock.calls.flatMap(([rows]) => rows);

  it('writes through the manager it is given, with who and where from the request', async () => {
    const own = { getRepository: () => ({ save }) } as unknown as EntityManager;
    await RequestContext.run(
      { ...request(principal(ORG, 'admin')), tenant: { id: ORG, subdomain: 'acme' } },
      () =>
        service.record(
          { action: AuditAction.USER_UPDATED, entityType: 'user', entityId: 'u1' },
          own,
        ),
    );
    expect(saved()).toEqual([
      expect.objectContaining({
        action: AuditAction.USER_UPDATED,
        organizationId: ORG,
        userId: 'admin',
        ip: '203.0.113.7',
        userAgent: 'Console/1.0',
        requestId: 'req-1',
      }),
    ]);
  });

  it('gives the tenant an anonymous row and keeps the platform operator in a row outside it', async () => {
    await RequestContext.run(request(principal(PLATFORM_ID, 'root')), () =>
      service.record({
        action: AuditAction.ORGANIZATION_SUSPENDED,
        organizationId: ORG,
        entityType: 'organization',
        entityId: ORG,
        metadata: { reason: 'unpaid' },
      }),
    );
    const [tenantRow, platformRow] = saved();
    expect(tenantRow).toMatchObject({
      organizationId: ORG,
      userId: null,
      ip: null,
      userAgent: null,
      requestId: null,
      entityId: ORG,
      metadata: { reason: 'unpaid', actor: 'platform operator' },
    });
    expect(platformRow).toMatchObject({
      organizationId: null,
      userId: 'root',
      ip: '203.0.113.7',
      userAgent: 'Console/1.0',
      requestId: 'req-1',
      metadata: { reason: 'unpaid', organizationId: ORG },
    });
  });

  it("writes one row for the platform's own events", async () => {
    await RequestContext.run(request(principal(PLATFORM_ID, 'root')), () =>
      service.record({ action: AuditAction.LOGOUT, organizationId: null }),
    );
    expect(saved()).toEqual([expect.objectContaining({ organizationId: null, userId: 'root' })]);
  });

  it('bounds before, after and metadata whatever their size', async () => {
    const huge = { notes: 'x'.repeat(200_000), other: 'y'.repeat(70_000) };
    await service.record({
      action: AuditAction.ORGANIZATION_UPDATED,
      organizationId: ORG,
      before: huge,
      after: huge,
      metadata: huge,
    });
    const [row] = saved();
    for (const value of [row.before, row.after, row.metadata])
      expect(Buffer.byteLength(JSON.stringify(value))).toBeLessThanOrEqual(AUDIT_VALUE_MAX_BYTES);
  });
});
