import { AuditAction } from '../audit/audit-actions';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
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
  TENANT,
  user,
} from '../../../test/support/login-service';

describe('LoginService', () => {
  const mocks = loginServiceMocksPerTest();

  describe('organizations that require a verified email', () => {
    beforeEach(() => mocks.organizations.findById.mockResolvedValue(organization('active', true)));

    it('refuses an unverified user with the right password: 403 EMAIL_NOT_VERIFIED (audited and mailed there), no session', async () => {
      await expect(mocks.service.login(login(), TENANT)).rejects.toMatchObject({
        status: 403,
        code: 'EMAIL_NOT_VERIFIED',
      });
      expect(mocks.issuer.open).not.toHaveBeenCalled();
      expect(mocks.verification.refuseLogin).toHaveBeenCalledWith(
        expect.objectContaining({ id: 'user-1', email: EMAIL }),
      );
      // The password was right: the attempt is given back, so retrying cannot lock the owner out.
      expect(mocks.throttle.loginSucceeded).toHaveBeenCalledWith(ORG, EMAIL);
    });

    it('says nothing about verification to a wrong password: the same 401 as ever, and no mail', async () => {
      await expect(mocks.service.login(login('wrong password'), TENANT)).rejects.toMatchObject(
        INVALID,
      );
      expect(mocks.verification.refuseLogin).not.toHaveBeenCalled();
    });

    it('signs in a verified user', async () => {
      mocks.users.findByEmailWithCredentials.mockResolvedValue(
        user('active', new Date('2026-01-02T00:00:00.000Z')),
      );
      await expect(mocks.service.login(login(), TENANT)).resolves.toMatchObject({
        sessionId: 'session-1',
      });
    });
  });

  describe('tenant login', () => {
    it('needs a tenant: 400 TENANT_REQUIRED before anything is counted or looked up', async () => {
      await expect(mocks.service.login(login(), undefined)).rejects.toMatchObject({
        status: 400,
        code: 'TENANT_REQUIRED',
      });
      expect(mocks.throttle.limitByIp).not.toHaveBeenCalled();
      expect(mocks.throttle.attemptLogin).not.toHaveBeenCalled();
      expect(mocks.users.findByEmailWithCredentials).not.toHaveBeenCalled();
    });

    it('signs in: gives the attempt back, stamps the login and audits the new session', async () => {
      const session = signedIn(await mocks.service.login(login(), TENANT));
      expect(mocks.throttle.limitByIp).toHaveBeenCalledWith('login');
      // The canonical email the DTO produced keys the counters, the lookup and the audit row.
      expect(EMAIL).toBe('ada@acme.test');
      expect(mocks.throttle.attemptLogin).toHaveBeenCalledWith(ORG, EMAIL, expect.any(Function));
      expect(mocks.users.findByEmailWithCredentials).toHaveBeenCalledWith(EMAIL);
      expect(mocks.throttle.loginSucceeded).toHaveBeenCalledWith(ORG, EMAIL);
      expect(mocks.users.update).toHaveBeenCalledWith('user-1', {
        lastLoginAt: expect.any(Date) as unknown,
      });
      expect(session.identity).toMatchObject({
        user: { id: 'user-1', email: EMAIL, roles: ['staff'] },
        organization: { id: ORG, subdomain: 'acme' },
        permissions: ['products.read', 'users.read'],
      });
      expect(mocks.audit.record.mock.calls).toEqual([
        [
          {
            action: AuditAction.LOGIN_SUCCEEDED,
            organizationId: ORG,
            userId: 'user-1',
            metadata: { sessionId: 'session-1' },
          },
        ],
      ]);
      expect(mocks.superusers.findByEmailWithCredentials).not.toHaveBeenCalled();
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
        mocks.users.findByEmailWithCredentials.mockResolvedValue(found);
        mocks.organizations.findById.mockResolvedValue(organizationRow);
        const password = reason === 'wrong_password' ? 'not the password' : PASSWORD;
        await expect(mocks.service.login(login(password), TENANT)).rejects.toMatchObject(INVALID);
        expect(mocks.audit.record.mock.calls).toEqual([
          [
            {
              action: AuditAction.LOGIN_FAILED,
              organizationId: ORG,
              userId,
              metadata: { email: EMAIL, reason },
            },
          ],
        ]);
        expect(mocks.throttle.loginSucceeded).not.toHaveBeenCalled();
        expect(mocks.users.update).not.toHaveBeenCalled();
        expect(mocks.issuer.open).not.toHaveBeenCalled();
      },
    );

    it('checks a password against the hasher even for an unknown email (its dummy hash)', async () => {
      mocks.users.findByEmailWithCredentials.mockResolvedValue(null);
      await expect(mocks.service.login(login(), TENANT)).rejects.toMatchObject(INVALID);
      expect(mocks.hasher.verify).toHaveBeenCalledWith(PASSWORD, undefined);
    });

    it('audits the lock the attempt sets off, and checks no password while locked', async () => {
      mocks.throttle.attemptLogin.mockImplementation(async (_scope, _email, onLocked) => {
        await onLocked?.('client');
        throw tooManyRequests(LIMIT, 60);
      });
      await expect(mocks.service.login(login(), TENANT)).rejects.toMatchObject({
        status: 429,
        code: 'TOO_MANY_REQUESTS',
      });
      expect(mocks.audit.record).toHaveBeenCalledWith({
        action: AuditAction.LOGIN_LOCKED,
        organizationId: ORG,
        metadata: { email: EMAIL, lock: 'client' },
      });
      expect(mocks.users.findByEmailWithCredentials).not.toHaveBeenCalled();
      expect(mocks.hasher.verify).not.toHaveBeenCalled();
      expect(mocks.issuer.open).not.toHaveBeenCalled();
    });

    it('counts nothing past the per-client rate limit', async () => {
      mocks.throttle.limitByIp.mockRejectedValue(tooManyRequests(LIMIT, 10));
      await expect(mocks.service.login(login(), TENANT)).rejects.toMatchObject({ status: 429 });
      expect(mocks.throttle.attemptLogin).not.toHaveBeenCalled();
      expect(mocks.audit.record).not.toHaveBeenCalled();
    });
  });
});
