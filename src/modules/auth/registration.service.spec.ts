import type { EntityManager } from 'typeorm';
import type { CachedIdentity } from '../../context/identity';
import { RequestContext } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import { canonicalEmail } from '../../security/email';
import type { PasswordHasher } from '../../security/password-hasher.service';
import type { SystemScope } from '../../tenancy/system-scope.service';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditAction } from '../audit/audit-actions';
import type { AuditService } from '../audit/audit.service';
import type { Organization } from '../organizations/organization.entity';
import type { OrganizationsRepository } from '../organizations/organizations.repository';
import type { Role } from '../roles/role.entity';
import type { RolesRepository } from '../roles/roles.repository';
import type { User } from '../users/user.entity';
import type { UsersRepository } from '../users/users.repository';
import type { RegisterDto } from './dto/auth.dto';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
import type { LoginThrottle } from './login-throttle';
import { RegistrationService } from './registration.service';
import type { IssuedSession, SessionIssuer } from './session-issuer.service';
import type { OutboxService } from '../../outbox/outbox.service';

const LIMIT = { name: 'auth-ip', limit: 30, windowSeconds: 60 };

const ORG = '33333333-3333-4333-8333-333333333333';
const manager = {} as EntityManager;

function registration(subdomain = 'initech'): RegisterDto {
  return {
    organization: { name: 'Initech', subdomain },
    email: canonicalEmail('Peter@Initech.test'),
    password: 'correct horse battery staple',
    firstName: 'Peter',
    lastName: 'Gibbons',
  };
}

const stamped = <T extends object>(entity: T, id: string): T =>
  Object.assign(entity, { id, createdAt: new Date(), updatedAt: new Date() });

describe('RegistrationService', () => {
  let throttle: jest.Mocked<Pick<LoginThrottle, 'limitByIp'>>;
  let organizations: jest.Mocked<Pick<OrganizationsRepository, 'findBySubdomain' | 'insert'>>;
  let roles: jest.Mocked<Pick<RolesRepository, 'transactional' | 'insert'>>;
  let users: jest.Mocked<Pick<UsersRepository, 'transactional' | 'insert'>>;
  let hasher: jest.Mocked<Pick<PasswordHasher, 'hash'>>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let issuer: jest.Mocked<Pick<SessionIssuer, 'open'>>;
  let outbox: jest.Mocked<Pick<OutboxService, 'record'>>;
  /** Whether each transaction committed (true) or rolled back (false). */
  let committed: boolean[];
  /** `committed` as it was when the session was opened. */
  let committedAtOpen: boolean[] | undefined;
  /** The tenant in the context when the first user was inserted. */
  let insertedAs: string | undefined;
  let service: RegistrationService;

  beforeEach(() => {
    throttle = { limitByIp: jest.fn().mockResolvedValue(undefined) };
    organizations = {
      findBySubdomain: jest.fn().mockResolvedValue(null),
      insert: jest.fn(async (organization: Organization) => stamped(organization, ORG)),
    };
    roles = {
      transactional: jest.fn(),
      insert: jest.fn(async (role: Role) => stamped(role, `role-${role.name}`)),
    };
    roles.transactional.mockReturnValue(roles as unknown as RolesRepository);
    insertedAs = undefined;
    users = {
      transactional: jest.fn(),
      insert: jest.fn(async (entity: User) => {
        insertedAs = TenantContext.requireTenantId('test');
        return stamped(entity, 'user-1');
      }),
    };
    users.transactional.mockReturnValue(users as unknown as UsersRepository);
    hasher = { hash: jest.fn(async (password: string) => `bcrypt:${password}`) };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    outbox = { record: jest.fn().mockResolvedValue(undefined) };
    committed = [];
    committedAtOpen = undefined;
    issuer = {
      open: jest.fn(async (identity: CachedIdentity): Promise<IssuedSession> => {
        committedAtOpen = [...committed];
        return {
          sessionId: 'session-1',
          identity,
          accessToken: 'access',
          expiresIn: 900,
          refreshToken: 'refresh',
        };
      }),
    };
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
    const systemScope: Pick<SystemScope, 'asTenant'> = {
      asTenant: (tenant, _reason, work) =>
        RequestContext.run(
          { requestId: 'signup', tenant: { id: tenant.id, subdomain: tenant.subdomain } },
          work,
        ),
    };
    service = new RegistrationService(
      throttle as unknown as LoginThrottle,
      transactions as TransactionRunner,
      organizations as unknown as OrganizationsRepository,
      users as unknown as UsersRepository,
      roles as unknown as RolesRepository,
      hasher as unknown as PasswordHasher,
      audit as unknown as AuditService,
      issuer as unknown as SessionIssuer,
      systemScope as SystemScope,
      outbox,
    );
  });

  it('creates the organization, its built-in roles and the first admin, audited in one transaction', async () => {
    const { session, organization } = await service.register(registration());
    expect(throttle.limitByIp).toHaveBeenCalledWith('register');
    expect(organizations.insert).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'Initech', subdomain: 'initech', status: 'active' }),
      manager,
    );
    expect(roles.insert.mock.calls.map(([role]) => role.name)).toEqual([
      'admin',
      'staff',
      'client',
    ]);
    const [[admin]] = users.insert.mock.calls;
    expect(admin).toMatchObject({
      email: 'peter@initech.test',
      passwordHash: 'bcrypt:correct horse battery staple',
      status: 'active',
      roles: [expect.objectContaining({ name: 'admin' })],
    });
    expect(insertedAs).toBe(ORG);
    expect(audit.record.mock.calls).toEqual([
      [
        {
          action: AuditAction.REGISTERED,
          organizationId: ORG,
          userId: 'user-1',
          entityType: 'organization',
          entityId: ORG,
          after: { name: 'Initech', subdomain: 'initech' },
        },
        manager,
      ],
    ]);
    // The verification mail is an event of the same transaction: no account, no mail.
    expect(outbox.record.mock.calls).toEqual([
      [manager, { type: 'mail.verify-email', organizationId: ORG, payload: { userId: 'user-1' } }],
    ]);
    expect(committed).toEqual([true]);
    expect(committedAtOpen).toEqual([true]);
    expect(organization.id).toBe(ORG);
    expect(session.identity).toMatchObject({
      user: { id: 'user-1', email: 'peter@initech.test', roles: ['admin'] },
      organization: { id: ORG, subdomain: 'initech' },
    });
  });

  it.each(['www', 'api', 'admin', 'localhost'])(
    'refuses the reserved subdomain %j with 400, touching nothing',
    async (subdomain) => {
      await expect(service.register(registration(subdomain))).rejects.toMatchObject({
        status: 400,
        code: 'VALIDATION_ERROR',
        details: [
          {
            field: 'organization.subdomain',
            messages: [`subdomain "${subdomain}" is reserved`],
          },
        ],
      });
      expect(organizations.findBySubdomain).not.toHaveBeenCalled();
      expect(hasher.hash).not.toHaveBeenCalled();
      expect(committed).toEqual([]);
    },
  );

  it('refuses a taken subdomain with 409 before hashing anything', async () => {
    organizations.findBySubdomain.mockResolvedValue({ id: 'other' } as Organization);
    await expect(service.register(registration('acme'))).rejects.toMatchObject({
      status: 409,
      code: 'CONFLICT',
      message: 'The subdomain "acme" is already taken',
    });
    expect(organizations.findBySubdomain).toHaveBeenCalledWith('acme');
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(committed).toEqual([]);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it.each([
    ['a MySQL duplicate key', { code: 'ER_DUP_ENTRY' }],
    ['an SQLite unique constraint', { code: 'SQLITE_CONSTRAINT_UNIQUE' }],
    ['a MySQL deadlock', { driverError: { code: 'ER_LOCK_DEADLOCK' } }],
  ])(
    'answers a concurrent sign-up that won the subdomain (%s) with 409, opening no session',
    async (_case, failure) => {
      organizations.insert.mockRejectedValue(Object.assign(new Error('insert failed'), failure));
      await expect(service.register(registration())).rejects.toMatchObject({
        status: 409,
        message: 'The subdomain "initech" is already taken',
      });
      expect(committed).toEqual([false]);
      expect(issuer.open).not.toHaveBeenCalled();
    },
  );

  it('rolls back and opens no session when the audit row cannot be written', async () => {
    const failure = new Error('audit insert failed');
    audit.record.mockRejectedValue(failure);
    await expect(service.register(registration())).rejects.toBe(failure);
    expect(committed).toEqual([false]);
    expect(issuer.open).not.toHaveBeenCalled();
  });

  it('checks the per-client rate limit before anything else', async () => {
    throttle.limitByIp.mockRejectedValue(tooManyRequests(LIMIT, 30));
    await expect(service.register(registration())).rejects.toMatchObject({ status: 429 });
    expect(organizations.findBySubdomain).not.toHaveBeenCalled();
    expect(hasher.hash).not.toHaveBeenCalled();
  });
});
