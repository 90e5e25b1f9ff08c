import { AuditAction } from '../audit/audit-actions';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
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
  let verification: LoginServiceMocks['verification'];
  let service: LoginServiceMocks['service'];

  beforeEach(() => {
    ({ throttle, organizations, users, superusers, hasher, audit, issuer, verification, service } =
      loginServiceMocks());
  });

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
        throw tooManyRequests(LIMIT, 60);
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
      throttle.limitByIp.mockRejectedValue(tooManyRequests(LIMIT, 10));
      await expect(service.login(login(), TENANT)).rejects.toMatchObject({ status: 429 });
      expect(throttle.attemptLogin).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
    });
  });
});
