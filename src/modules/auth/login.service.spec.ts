import type { CachedIdentity } from '../../context/identity';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { PLATFORM_ID } from '../../context/platform';
import type { TenantRef } from '../../context/request-context';
import { canonicalEmail } from '../../security/email';
import type { PasswordHasher } from '../../security/password-hasher.service';
import { AuditAction } from '../audit/audit-actions';
import type { AuditService } from '../audit/audit.service';
import { Organization } from '../organizations/organization.entity';
import type { OrganizationsRepository } from '../organizations/organizations.repository';
import { Superuser } from '../platform/superuser.entity';
import type { SuperusersRepository } from '../platform/superusers.repository';
import { Role } from '../roles/role.entity';
import { User } from '../users/user.entity';
import type { UsersRepository } from '../users/users.repository';
import type { LoginDto } from './dto/auth.dto';
import { type LoginThrottle, tooManyRequests } from './login-throttle';
import { LoginService } from './login.service';
import type { EmailVerificationService } from './email-verification.service';
import type { IssuedSession, SessionIssuer } from './session-issuer.service';
import type { MfaChallenges } from '../mfa/mfa-challenges';
import type { PendingMfa } from './login.service';
import { Metrics } from '../../metrics/metrics';

/** The outcome of a login that needed no second factor. */
function signedIn(outcome: IssuedSession | PendingMfa): IssuedSession {
  if ('mfaToken' in outcome) throw new Error('expected a session, got an MFA challenge');
  return outcome;
}

type ThrottleMock = jest.Mocked<
  Pick<LoginThrottle, 'limitByIp' | 'attemptLogin' | 'loginSucceeded'>
>;

const ORG = '33333333-3333-4333-8333-333333333333';
const TENANT: TenantRef = { id: ORG, subdomain: 'acme' };
const EMAIL = canonicalEmail(' Ada@ACME.test ');
const PASSWORD = 'correct horse battery staple';
const INVALID = { status: 401, code: 'INVALID_CREDENTIALS', message: 'Invalid email or password' };

/** Stands in for bcrypt: a hash is "bcrypt:<password>"; no hash never matches. */
const hashOf = (password: string): string => `bcrypt:${password}`;

function organization(
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

function user(status: 'active' | 'disabled' = 'active', emailVerifiedAt: Date | null = null): User {
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

function superuser(): Superuser {
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

const login = (password = PASSWORD): LoginDto => ({ email: EMAIL, password });

describe('LoginService', () => {
  let throttle: ThrottleMock;
  let organizations: jest.Mocked<Pick<OrganizationsRepository, 'findById'>>;
  let users: jest.Mocked<Pick<UsersRepository, 'findByEmailWithCredentials' | 'update'>>;
  let superusers: jest.Mocked<
    Pick<SuperusersRepository, 'findByEmailWithCredentials' | 'touchLogin'>
  >;
  let hasher: jest.Mocked<Pick<PasswordHasher, 'verify'>>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let issuer: jest.Mocked<Pick<SessionIssuer, 'open'>>;
  let verification: jest.Mocked<Pick<EmailVerificationService, 'refuseLogin'>>;
  let challenges: jest.Mocked<Pick<MfaChallenges, 'issue'>>;
  let service: LoginService;

  beforeEach(() => {
    throttle = {
      limitByIp: jest.fn().mockResolvedValue(undefined),
      attemptLogin: jest.fn().mockResolvedValue(undefined),
      loginSucceeded: jest.fn().mockResolvedValue(undefined),
    };
    organizations = { findById: jest.fn().mockResolvedValue(organization()) };
    users = {
      findByEmailWithCredentials: jest.fn().mockResolvedValue(user()),
      update: jest.fn().mockResolvedValue(true),
    };
    superusers = {
      findByEmailWithCredentials: jest.fn().mockResolvedValue(superuser()),
      touchLogin: jest.fn().mockResolvedValue(undefined),
    };
    hasher = {
      verify: jest.fn(
        async (password: string, hash: string | null | undefined) => hash === hashOf(password),
      ),
    };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    issuer = {
      open: jest.fn(async (identity: CachedIdentity): Promise<IssuedSession> => ({
        sessionId: 'session-1',
        identity,
        accessToken: 'access',
        expiresIn: 900,
        refreshToken: 'refresh',
      })),
    };
    verification = {
      refuseLogin: jest.fn(
        async (_user: User) =>
          new AppException(403, ErrorCode.EMAIL_NOT_VERIFIED, 'Verify your email address'),
      ),
    };
    challenges = { issue: jest.fn().mockResolvedValue('mfa-token') };
    service = new LoginService(
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
  });

  const auditedActions = () => audit.record.mock.calls.map(([entry]) => entry.action);

  describe('organizations that require a verified email', () => {
    beforeEach(() => organizations.findById.mockResolvedValue(organization('active', true)));

    it('refuses an unverified user with the right password: 403 EMAIL_NOT_VERIFIED (audited and mailed there), no session', async () => {
      await expect(service.login(login(), TENANT)).rejects.toMatchObject({
        status: 403,
        code: 'EMAIL_NOT_VERIFIED',
      });
      expect(issuer.open).not.toHaveBeenCalled();
      expect(verification.refuseLogin).toHaveBeenCalledWith(
        expect.objectContaining({ id: 'user-1', email: EMAIL }),
      );
      // The password was right: the attempt is given back, so retrying cannot lock the owner out.
      expect(throttle.loginSucceeded).toHaveBeenCalledWith(ORG, EMAIL);
    });

    it('says nothing about verification to a wrong password: the same 401 as ever, and no mail', async () => {
      await expect(service.login(login('wrong password'), TENANT)).rejects.toMatchObject(INVALID);
      expect(verification.refuseLogin).not.toHaveBeenCalled();
    });

    it('signs in a verified user', async () => {
      users.findByEmailWithCredentials.mockResolvedValue(
        user('active', new Date('2026-01-02T00:00:00.000Z')),
      );
      await expect(service.login(login(), TENANT)).resolves.toMatchObject({
        sessionId: 'session-1',
      });
    });
  });

  describe('tenant login', () => {
    it('needs a tenant: 400 TENANT_REQUIRED before anything is counted or looked up', async () => {
      await expect(service.login(login(), undefined)).rejects.toMatchObject({
        status: 400,
        code: 'TENANT_REQUIRED',
      });
      expect(throttle.limitByIp).not.toHaveBeenCalled();
      expect(throttle.attemptLogin).not.toHaveBeenCalled();
      expect(users.findByEmailWithCredentials).not.toHaveBeenCalled();
    });

    it('signs in: gives the attempt back, stamps the login and audits the new session', async () => {
      const session = signedIn(await service.login(login(), TENANT));
      expect(throttle.limitByIp).toHaveBeenCalledWith('login');
      // The canonical email the DTO produced keys the counters, the lookup and the audit row.
      expect(EMAIL).toBe('ada@acme.test');
      expect(throttle.attemptLogin).toHaveBeenCalledWith(ORG, EMAIL, expect.any(Function));
      expect(users.findByEmailWithCredentials).toHaveBeenCalledWith(EMAIL);
      expect(throttle.loginSucceeded).toHaveBeenCalledWith(ORG, EMAIL);
      expect(users.update).toHaveBeenCalledWith('user-1', {
        lastLoginAt: expect.any(Date) as unknown,
      });
      expect(session.identity).toMatchObject({
        user: { id: 'user-1', email: EMAIL, roles: ['staff'] },
        organization: { id: ORG, subdomain: 'acme' },
        permissions: ['products.read', 'users.read'],
      });
      expect(audit.record.mock.calls).toEqual([
        [
          {
            action: AuditAction.LOGIN_SUCCEEDED,
            organizationId: ORG,
            userId: 'user-1',
            metadata: { sessionId: 'session-1' },
          },
        ],
      ]);
      expect(superusers.findByEmailWithCredentials).not.toHaveBeenCalled();
    });

    it.each([
      ['an unknown email', null, organization(), 'unknown_email', null],
      ['a wrong password', user(), organization(), 'wrong_password', 'user-1'],
      ['a disabled user', user('disabled'), organization(), 'inactive', 'user-1'],
      ['a suspended organization', user(), organization('suspended'), 'inactive', 'user-1'],
      ['a missing organization', user(), null, 'inactive', 'user-1'],
    ])(
      'refuses %s with the one 401, audits why, and keeps the attempt counted',
      async (_case, found, organizationRow, reason, userId) => {
        users.findByEmailWithCredentials.mockResolvedValue(found);
        organizations.findById.mockResolvedValue(organizationRow);
        const password = reason === 'wrong_password' ? 'not the password' : PASSWORD;
        await expect(service.login(login(password), TENANT)).rejects.toMatchObject(INVALID);
        expect(audit.record.mock.calls).toEqual([
          [
            {
              action: AuditAction.LOGIN_FAILED,
              organizationId: ORG,
              userId,
              metadata: { email: EMAIL, reason },
            },
          ],
        ]);
        expect(throttle.loginSucceeded).not.toHaveBeenCalled();
        expect(users.update).not.toHaveBeenCalled();
        expect(issuer.open).not.toHaveBeenCalled();
      },
    );

    it('checks a password against the hasher even for an unknown email (its dummy hash)', async () => {
      users.findByEmailWithCredentials.mockResolvedValue(null);
      await expect(service.login(login(), TENANT)).rejects.toMatchObject(INVALID);
      expect(hasher.verify).toHaveBeenCalledWith(PASSWORD, undefined);
    });

    it('audits the lock the attempt sets off, and checks no password while locked', async () => {
      throttle.attemptLogin.mockImplementation(async (_scope, _email, onLocked) => {
        await onLocked?.('client');
        throw tooManyRequests(60);
      });
      await expect(service.login(login(), TENANT)).rejects.toMatchObject({
        status: 429,
        code: 'TOO_MANY_REQUESTS',
      });
      expect(audit.record).toHaveBeenCalledWith({
        action: AuditAction.LOGIN_LOCKED,
        organizationId: ORG,
        metadata: { email: EMAIL, lock: 'client' },
      });
      expect(users.findByEmailWithCredentials).not.toHaveBeenCalled();
      expect(hasher.verify).not.toHaveBeenCalled();
      expect(issuer.open).not.toHaveBeenCalled();
    });

    it('counts nothing past the per-client rate limit', async () => {
      throttle.limitByIp.mockRejectedValue(tooManyRequests(10));
      await expect(service.login(login(), TENANT)).rejects.toMatchObject({ status: 429 });
      expect(throttle.attemptLogin).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
    });
  });

  describe('platform login', () => {
    it('counts under the platform, opens a platform session and audits it outside every tenant', async () => {
      const session = signedIn(await service.superuserLogin(login()));
      expect(throttle.limitByIp).toHaveBeenCalledWith('login');
      expect(throttle.attemptLogin).toHaveBeenCalledWith(PLATFORM_ID, EMAIL, expect.any(Function));
      expect(throttle.loginSucceeded).toHaveBeenCalledWith(PLATFORM_ID, EMAIL);
      expect(superusers.touchLogin).toHaveBeenCalledWith('superuser-1');
      expect(session.identity).toMatchObject({
        user: { id: 'superuser-1', roles: ['superuser'] },
        organization: { id: PLATFORM_ID },
        permissions: [],
      });
      expect(audit.record.mock.calls).toEqual([
        [
          {
            action: AuditAction.LOGIN_SUCCEEDED,
            organizationId: null,
            userId: 'superuser-1',
            metadata: { platform: true, sessionId: 'session-1' },
          },
        ],
      ]);
      expect(users.findByEmailWithCredentials).not.toHaveBeenCalled();
      expect(organizations.findById).not.toHaveBeenCalled();
    });

    it.each([
      ['an unknown email', null, PASSWORD],
      ['a wrong password', superuser(), 'not the password'],
    ])(
      'refuses %s with the one 401, comparing a hash either way',
      async (_case, found, password) => {
        superusers.findByEmailWithCredentials.mockResolvedValue(found);
        await expect(service.superuserLogin(login(password))).rejects.toMatchObject(INVALID);
        expect(hasher.verify).toHaveBeenCalledWith(password, found?.passwordHash);
        expect(auditedActions()).toEqual([AuditAction.LOGIN_FAILED]);
        expect(audit.record).toHaveBeenCalledWith({
          action: AuditAction.LOGIN_FAILED,
          organizationId: null,
          metadata: { email: EMAIL, platform: true },
        });
        expect(throttle.loginSucceeded).not.toHaveBeenCalled();
        expect(issuer.open).not.toHaveBeenCalled();
      },
    );

    it('audits a platform lockout outside every tenant', async () => {
      throttle.attemptLogin.mockImplementation(async (_scope, _email, onLocked) => {
        await onLocked?.('account');
        throw tooManyRequests(60);
      });
      await expect(service.superuserLogin(login())).rejects.toMatchObject({ status: 429 });
      expect(audit.record).toHaveBeenCalledWith({
        action: AuditAction.LOGIN_LOCKED,
        organizationId: null,
        metadata: { email: EMAIL, lock: 'account', platform: true },
      });
      expect(superusers.findByEmailWithCredentials).not.toHaveBeenCalled();
    });

    it('keeps the two apart: a tenant login never finds a superuser', async () => {
      users.findByEmailWithCredentials.mockResolvedValue(null);
      await expect(service.login(login(), TENANT)).rejects.toMatchObject(INVALID);
      expect(superusers.findByEmailWithCredentials).not.toHaveBeenCalled();
      expect(issuer.open).not.toHaveBeenCalled();
    });
  });

  describe('with two-factor authentication on', () => {
    const withMfa = <T extends User | Superuser>(account: T): T =>
      Object.assign(account, { mfaEnabledAt: new Date('2026-01-02T00:00:00.000Z') });

    it('answers a challenge after the right password: no session, the token remembers how to answer', async () => {
      users.findByEmailWithCredentials.mockResolvedValue(withMfa(user()));
      const outcome = await service.login({ ...login(), refreshTokenInBody: true }, TENANT);
      expect(outcome).toEqual({ mfaToken: 'mfa-token' });
      expect(challenges.issue).toHaveBeenCalledWith({
        kind: 'tenant',
        userId: 'user-1',
        organizationId: ORG,
        email: EMAIL,
        refreshTokenInBody: true,
      });
      expect(issuer.open).not.toHaveBeenCalled();
      expect(users.update).not.toHaveBeenCalled();
      expect(auditedActions()).toEqual([AuditAction.LOGIN_MFA_CHALLENGED]);
      // The password was right: its attempt is given back; the code's attempt is counted on verify.
      expect(throttle.loginSucceeded).toHaveBeenCalledWith(ORG, EMAIL);
    });

    it('issues no challenge for a wrong password', async () => {
      users.findByEmailWithCredentials.mockResolvedValue(withMfa(user()));
      await expect(service.login(login('wrong'), TENANT)).rejects.toMatchObject(INVALID);
      expect(challenges.issue).not.toHaveBeenCalled();
    });

    it('challenges a superuser under the platform', async () => {
      superusers.findByEmailWithCredentials.mockResolvedValue(withMfa(superuser()));
      expect(await service.superuserLogin(login())).toEqual({ mfaToken: 'mfa-token' });
      expect(challenges.issue).toHaveBeenCalledWith(
        expect.objectContaining({ kind: 'platform', organizationId: PLATFORM_ID }),
      );
      expect(superusers.touchLogin).not.toHaveBeenCalled();
    });

    it('opens the session of a proven second factor with amr pwd + otp and audits the method', async () => {
      await service.signIn(withMfa(user()), organization(), 'recovery_code');
      expect(issuer.open).toHaveBeenCalledWith(expect.anything(), ['pwd', 'otp']);
      expect(audit.record).toHaveBeenCalledWith(
        expect.objectContaining({
          action: AuditAction.LOGIN_SUCCEEDED,
          metadata: { sessionId: 'session-1', mfa: 'recovery_code' },
        }),
      );
    });
  });
});
