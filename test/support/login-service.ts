import type { CachedIdentity } from '../../src/context/identity';
import type { TenantRef } from '../../src/context/request-context';
import { AppException } from '../../src/http/app-exception';
import { ErrorCode } from '../../src/http/error-codes';
import { Metrics } from '../../src/metrics/metrics';
import type { AuditService } from '../../src/modules/audit/audit.service';
import type { LoginDto } from '../../src/modules/auth/dto/auth.dto';
import type { EmailVerificationService } from '../../src/modules/auth/email-verification.service';
import type { LoginThrottle } from '../../src/modules/auth/login-throttle';
import { LoginService, type PendingMfa } from '../../src/modules/auth/login.service';
import type { IssuedSession, SessionIssuer } from '../../src/modules/auth/session-issuer.service';
import type { MfaChallenges } from '../../src/modules/mfa/mfa-challenges';
import { Organization } from '../../src/modules/organizations/organization.entity';
import type { OrganizationsRepository } from '../../src/modules/organizations/organizations.repository';
import { Superuser } from '../../src/modules/platform/superuser.entity';
import type { SuperusersRepository } from '../../src/modules/platform/superusers.repository';
import { Role } from '../../src/modules/roles/role.entity';
import { User } from '../../src/modules/users/user.entity';
import type { UsersRepository } from '../../src/modules/users/users.repository';
import { canonicalEmail } from '../../src/security/email';
import type { PasswordHasher } from '../../src/security/password-hasher.service';

/** Fixtures and mocked collaborators of LoginService's unit specs (login.service*.spec.ts). */
export const LIMIT = { name: 'auth-ip', limit: 30, windowSeconds: 60 };

/** The outcome of a login that needed no second factor. */
export function signedIn(outcome: IssuedSession | PendingMfa): IssuedSession {
  if ('mfaToken' in outcome) throw new Error('expected a session, got an MFA challenge');
  return outcome;
}

export type ThrottleMock = jest.Mocked<
  Pick<LoginThrottle, 'limitByIp' | 'attemptLogin' | 'loginSucceeded'>
>;

export const ORG = '33333333-3333-4333-8333-333333333333';
export const TENANT: TenantRef = { id: ORG, subdomain: 'acme' };
export const EMAIL = canonicalEmail(' Ada@ACME.test ');
export const PASSWORD = 'correct horse battery staple';
export const INVALID = {
  status: 401,
  code: 'INVALID_CREDENTIALS',
  message: 'Invalid email or password',
};

/** Stands in for bcrypt: a hash is "bcrypt:<password>"; no hash never matches. */
export const hashOf = (password: string): string => `bcrypt:${password}`;

export function organization(
  status: 'active' | 'suspended' = 'active',
  requireVerifiedEmail = false,
): Organization {
  return Object.assign(new Organization(), {
    id: ORG,
    name: 'Acme',
    subdomain: 'acme',
    status,
    requireVerifiedEmail,
    settings: {},
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:00.000Z'),
  });
}

export function user(
  status: 'active' | 'disabled' = 'active',
  emailVerifiedAt: Date | null = null,
): User {
  return Object.assign(new User(), {
    emailVerifiedAt,
    id: 'user-1',
    organizationId: ORG,
    email: EMAIL,
    passwordHash: hashOf(PASSWORD),
    firstName: 'Ada',
    lastName: 'Lovelace',
    status,
    lastLoginAt: null,
    mfaEnabledAt: null,
    roles: [
      Object.assign(new Role(), { name: 'staff', permissions: ['products.read', 'users.read'] }),
    ],
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:00.000Z'),
  });
}

export function superuser(): Superuser {
  return Object.assign(new Superuser(), {
    id: 'superuser-1',
    email: EMAIL,
    passwordHash: hashOf(PASSWORD),
    lastLoginAt: null,
    mfaEnabledAt: null,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:00.000Z'),
  });
}

export const login = (password = PASSWORD): LoginDto => ({ email: EMAIL, password });

/** Every collaborator of LoginService as a mock, each answering as for an active user. */
export function loginServiceMocks() {
  const throttle: ThrottleMock = {
    limitByIp: jest.fn().mockResolvedValue(undefined),
    attemptLogin: jest.fn().mockResolvedValue(undefined),
    loginSucceeded: jest.fn().mockResolvedValue(undefined),
  };
  const organizations: jest.Mocked<Pick<OrganizationsRepository, 'findById'>> = {
    findById: jest.fn().mockResolvedValue(organization()),
  };
  const users: jest.Mocked<Pick<UsersRepository, 'findByEmailWithCredentials' | 'update'>> = {
    findByEmailWithCredentials: jest.fn().mockResolvedValue(user()),
    update: jest.fn().mockResolvedValue(true),
  };
  const superusers: jest.Mocked<
    Pick<SuperusersRepository, 'findByEmailWithCredentials' | 'touchLogin'>
  > = {
    findByEmailWithCredentials: jest.fn().mockResolvedValue(superuser()),
    touchLogin: jest.fn().mockResolvedValue(undefined),
  };
  const hasher: jest.Mocked<Pick<PasswordHasher, 'verify'>> = {
    verify: jest.fn(
      async (password: string, hash: string | null | undefined) => hash === hashOf(password),
    ),
  };
  const audit: jest.Mocked<Pick<AuditService, 'record'>> = {
    record: jest.fn().mockResolvedValue(undefined),
  };
  const issuer: jest.Mocked<Pick<SessionIssuer, 'open'>> = {
    open: jest.fn(async (identity: CachedIdentity): Promise<IssuedSession> => ({
      sessionId: 'session-1',
      identity,
      accessToken: 'access',
      expiresIn: 900,
      refreshToken: 'refresh',
    })),
  };
  const verification: jest.Mocked<Pick<EmailVerificationService, 'refuseLogin'>> = {
    refuseLogin: jest.fn(
      async (_user: User) =>
        new AppException(403, ErrorCode.EMAIL_NOT_VERIFIED, 'Verify your email address'),
    ),
  };
  const challenges: jest.Mocked<Pick<MfaChallenges, 'issue'>> = {
    issue: jest.fn().mockResolvedValue('mfa-token'),
  };
  const service = new LoginService(
    throttle as unknown as LoginThrottle,
    organizations as unknown as OrganizationsRepository,
    users as unknown as UsersRepository,
    superusers as unknown as SuperusersRepository,
    hasher as unknown as PasswordHasher,
    audit as unknown as AuditService,
    issuer as unknown as SessionIssuer,
    verification as unknown as EmailVerificationService,
    challenges as unknown as MfaChallenges,
    new Metrics({ metrics: { enabled: false, host: '127.0.0.1', port: 0 } }),
  );
  const auditedActions = () => audit.record.mock.calls.map(([entry]) => entry.action);
  return {
    throttle,
    organizations,
    users,
    superusers,
    hasher,
    audit,
    issuer,
    verification,
    challenges,
    service,
    auditedActions,
  };
}

export type LoginServiceMocks = ReturnType<typeof loginServiceMocks>;

/** Mocks renewed before each test of the calling describe block: read them as `mocks.x`. */
export function loginServiceMocksPerTest(): LoginServiceMocks {
  const current = {} as LoginServiceMocks;
  beforeEach(() => {
    Object.assign(current, loginServiceMocks());
  });
  return current;
}
