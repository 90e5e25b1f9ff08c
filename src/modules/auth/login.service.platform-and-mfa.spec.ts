import { AuditAction } from '../audit/audit-actions';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
import { PLATFORM_ID } from '../../context/platform';
import type { Superuser } from '../platform/superuser.entity';
import type { User } from '../users/user.entity';
import {
  EMAIL,
  INVALID,
  LIMIT,
  login,
  type LoginServiceMocks,
  loginServiceMocks,
  ORG,
  organization,
  PASSWORD,
  signedIn,
  superuser,
  TENANT,
  user,
} from '../../../test/support/login-service';

describe('LoginService', () => {
  let throttle: LoginServiceMocks['throttle'];
  let organizations: LoginServiceMocks['organizations'];
  let users: LoginServiceMocks['users'];
  let superusers: LoginServiceMocks['superusers'];
  let hasher: LoginServiceMocks['hasher'];
  let audit: LoginServiceMocks['audit'];
  let issuer: LoginServiceMocks['issuer'];
  let challenges: LoginServiceMocks['challenges'];
  let service: LoginServiceMocks['service'];
  let auditedActions: LoginServiceMocks['auditedActions'];

  beforeEach(() => {
    ({
      throttle,
      organizations,
      users,
      superusers,
      hasher,
      audit,
      issuer,
      challenges,
      service,
      auditedActions,
    } = loginServiceMocks());
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
        throw tooManyRequests(LIMIT, 60);
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
