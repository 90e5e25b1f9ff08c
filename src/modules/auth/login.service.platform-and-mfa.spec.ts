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
  loginServiceMocksPerTest,
  ORG,
  organization,
  PASSWORD,
  signedIn,
  superuser,
  TENANT,
  user,
} from '../../../test/support/login-service';

describe('LoginService', () => {
  const mocks = loginServiceMocksPerTest();

  describe('platform login', () => {
    it('counts under the platform, opens a platform session and audits it outside every tenant', async () => {
      const session = signedIn(await mocks.service.superuserLogin(login()));
      expect(mocks.throttle.limitByIp).toHaveBeenCalledWith('login');
      expect(mocks.throttle.attemptLogin).toHaveBeenCalledWith(
        PLATFORM_ID,
        EMAIL,
        expect.any(Function),
      );
      expect(mocks.throttle.loginSucceeded).toHaveBeenCalledWith(PLATFORM_ID, EMAIL);
      expect(mocks.superusers.touchLogin).toHaveBeenCalledWith('superuser-1');
      expect(session.identity).toMatchObject({
        user: { id: 'superuser-1', roles: ['superuser'] },
        organization: { id: PLATFORM_ID },
        permissions: [],
      });
      expect(mocks.audit.record.mock.calls).toEqual([
        [
          {
            action: AuditAction.LOGIN_SUCCEEDED,
            organizationId: null,
            userId: 'superuser-1',
            metadata: { platform: true, sessionId: 'session-1' },
          },
        ],
      ]);
      expect(mocks.users.findByEmailWithCredentials).not.toHaveBeenCalled();
      expect(mocks.organizations.findById).not.toHaveBeenCalled();
    });

    it.each([
      ['an unknown email', null, PASSWORD],
      ['a wrong password', superuser(), 'not the password'],
    ])(
      'refuses %s with the one 401, comparing a hash either way',
      async (_case, found, password) => {
        mocks.superusers.findByEmailWithCredentials.mockResolvedValue(found);
        await expect(mocks.service.superuserLogin(login(password))).rejects.toMatchObject(INVALID);
        expect(mocks.hasher.verify).toHaveBeenCalledWith(password, found?.passwordHash);
        expect(mocks.auditedActions()).toEqual([AuditAction.LOGIN_FAILED]);
        expect(mocks.audit.record).toHaveBeenCalledWith({
          action: AuditAction.LOGIN_FAILED,
          organizationId: null,
          metadata: { email: EMAIL, platform: true },
        });
        expect(mocks.throttle.loginSucceeded).not.toHaveBeenCalled();
        expect(mocks.issuer.open).not.toHaveBeenCalled();
      },
    );

    it('audits a platform lockout outside every tenant', async () => {
      mocks.throttle.attemptLogin.mockImplementation(async (_scope, _email, onLocked) => {
        await onLocked?.('account');
        throw tooManyRequests(LIMIT, 60);
      });
      await expect(mocks.service.superuserLogin(login())).rejects.toMatchObject({ status: 429 });
      expect(mocks.audit.record).toHaveBeenCalledWith({
        action: AuditAction.LOGIN_LOCKED,
        organizationId: null,
        metadata: { email: EMAIL, lock: 'account', platform: true },
      });
      expect(mocks.superusers.findByEmailWithCredentials).not.toHaveBeenCalled();
    });

    it('keeps the two apart: a tenant login never finds a superuser', async () => {
      mocks.users.findByEmailWithCredentials.mockResolvedValue(null);
      await expect(mocks.service.login(login(), TENANT)).rejects.toMatchObject(INVALID);
      expect(mocks.superusers.findByEmailWithCredentials).not.toHaveBeenCalled();
      expect(mocks.issuer.open).not.toHaveBeenCalled();
    });
  });

  describe('with two-factor authentication on', () => {
    const withMfa = <T extends User | Superuser>(account: T): T =>
      Object.assign(account, { mfaEnabledAt: new Date('2026-01-02T00:00:00.000Z') });

    it('answers a challenge after the right password: no session, the token remembers how to answer', async () => {
      mocks.users.findByEmailWithCredentials.mockResolvedValue(withMfa(user()));
      const outcome = await mocks.service.login({ ...login(), refreshTokenInBody: true }, TENANT);
      expect(outcome).toEqual({ mfaToken: 'mfa-token' });
      expect(mocks.challenges.issue).toHaveBeenCalledWith({
        kind: 'tenant',
        userId: 'user-1',
        organizationId: ORG,
        email: EMAIL,
        refreshTokenInBody: true,
      });
      expect(mocks.issuer.open).not.toHaveBeenCalled();
      expect(mocks.users.update).not.toHaveBeenCalled();
      expect(mocks.auditedActions()).toEqual([AuditAction.LOGIN_MFA_CHALLENGED]);
      // The password was right: its attempt is given back; the code's attempt is counted on verify.
      expect(mocks.throttle.loginSucceeded).toHaveBeenCalledWith(ORG, EMAIL);
    });

    it('issues no challenge for a wrong password', async () => {
      mocks.users.findByEmailWithCredentials.mockResolvedValue(withMfa(user()));
      await expect(mocks.service.login(login('wrong'), TENANT)).rejects.toMatchObject(INVALID);
      expect(mocks.challenges.issue).not.toHaveBeenCalled();
    });

    it('challenges a superuser under the platform', async () => {
      mocks.superusers.findByEmailWithCredentials.mockResolvedValue(withMfa(superuser()));
      expect(await mocks.service.superuserLogin(login())).toEqual({ mfaToken: 'mfa-token' });
      expect(mocks.challenges.issue).toHaveBeenCalledWith(
        expect.objectContaining({ kind: 'platform', organizationId: PLATFORM_ID }),
      );
      expect(mocks.superusers.touchLogin).not.toHaveBeenCalled();
    });

    it('opens the session of a proven second factor with amr pwd + otp and audits the method', async () => {
      await mocks.service.signIn(withMfa(user()), organization(), 'recovery_code');
      expect(mocks.issuer.open).toHaveBeenCalledWith(expect.anything(), ['pwd', 'otp']);
      expect(mocks.audit.record).toHaveBeenCalledWith(
        expect.objectContaining({
          action: AuditAction.LOGIN_SUCCEEDED,
          metadata: { sessionId: 'session-1', mfa: 'recovery_code' },
        }),
      );
    });
  });
});
