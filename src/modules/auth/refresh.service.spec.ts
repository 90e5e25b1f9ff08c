import type { CachedIdentity } from '../../context/identity';
import { AuditAction } from '../audit/audit-actions';
import type { AuditService } from '../audit/audit.service';
import type { IdentityService } from '../sessions/identity.service';
import type { SessionRecord, SessionService } from '../sessions/session.service';
import { RefreshService } from './refresh.service';
import type { SessionIssuer } from './session-issuer.service';
import { Metrics } from '../../metrics/metrics';
import { cachedIdentity } from '../../../test/support/cached-identity';

const ORG = '33333333-3333-4333-8333-333333333333';
const INVALID = {
  status: 401,
  code: 'UNAUTHORIZED',
  message: 'Invalid or expired refresh token',
};

const SESSION: SessionRecord = {
  id: 'session-1',
  userId: 'user-1',
  organizationId: ORG,
  kind: 'tenant',
  userAgent: null,
  ip: null,
  createdAt: 0,
  lastUsedAt: 0,
  expiresAt: 0,
};

function identity(
  userStatus: 'active' | 'disabled' = 'active',
  organizationStatus: 'active' | 'suspended' = 'active',
): CachedIdentity {
  return cachedIdentity({ organizationId: ORG, userStatus, organizationStatus });
}

describe('RefreshService', () => {
  let sessions: jest.Mocked<Pick<SessionService, 'rotate' | 'end'>>;
  let identities: jest.Mocked<Pick<IdentityService, 'rebuild'>>;
  let issuer: jest.Mocked<Pick<SessionIssuer, 'accessTokenFor'>>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let service: RefreshService;

  beforeEach(() => {
    sessions = {
      rotate: jest
        .fn()
        .mockResolvedValue({ outcome: 'rotated', session: SESSION, refreshToken: 'next' }),
      end: jest.fn().mockResolvedValue(true),
    };
    identities = { rebuild: jest.fn().mockResolvedValue(identity()) };
    issuer = {
      accessTokenFor: jest.fn().mockReturnValue({ accessToken: 'access', expiresIn: 900 }),
    };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    service = new RefreshService(
      sessions as unknown as SessionService,
      identities as unknown as IdentityService,
      issuer as unknown as SessionIssuer,
      audit as unknown as AuditService,
      new Metrics({ metrics: { enabled: false, host: '127.0.0.1', port: 0 } }),
    );
  });

  it('signs a new access token for the identity as the database has it now', async () => {
    await expect(service.refresh('presented')).resolves.toEqual({
      accessToken: 'access',
      expiresIn: 900,
      sessionId: 'session-1',
      identity: identity(),
      refreshToken: 'next',
    });
    expect(sessions.rotate).toHaveBeenCalledWith('presented');
    expect(identities.rebuild).toHaveBeenCalledWith(ORG, 'user-1');
    // A session stored before sessions recorded how the sign-in was proven: a password.
    expect(issuer.accessTokenFor).toHaveBeenCalledWith(identity(), 'session-1', ['pwd']);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('keeps the second factor of the sign-in in every refreshed token', async () => {
    sessions.rotate.mockResolvedValue({
      outcome: 'rotated',
      session: { ...SESSION, amr: ['pwd', 'otp'] },
      refreshToken: 'next',
    });
    await service.refresh('presented');
    expect(issuer.accessTokenFor).toHaveBeenCalledWith(identity(), 'session-1', ['pwd', 'otp']);
  });

  it('answers a missing token with 401 without touching the store', async () => {
    await expect(service.refresh(undefined)).rejects.toMatchObject(INVALID);
    expect(sessions.rotate).not.toHaveBeenCalled();
  });

  it('answers an unknown or made-up token with a plain 401: nothing ended, nothing audited', async () => {
    sessions.rotate.mockResolvedValue({ outcome: 'invalid' });
    await expect(service.refresh('made-up')).rejects.toMatchObject(INVALID);
    expect(sessions.end).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('audits the reuse of a rotated token with whose session it was', async () => {
    sessions.rotate.mockResolvedValue({
      outcome: 'reuse',
      sessionId: 'session-1',
      session: SESSION,
    });
    await expect(service.refresh('stolen')).rejects.toMatchObject(INVALID);
    sessions.rotate.mockResolvedValue({ outcome: 'reuse', sessionId: 'session-2', session: null });
    await expect(service.refresh('stolen')).rejects.toMatchObject(INVALID);
    expect(audit.record.mock.calls).toEqual([
      [
        {
          action: AuditAction.REFRESH_REUSE_DETECTED,
          organizationId: ORG,
          userId: 'user-1',
          metadata: { sessionId: 'session-1' },
        },
      ],
      [
        {
          action: AuditAction.REFRESH_REUSE_DETECTED,
          organizationId: null,
          userId: null,
          metadata: { sessionId: 'session-2' },
        },
      ],
    ]);
    expect(issuer.accessTokenFor).not.toHaveBeenCalled();
  });

  it.each([
    ['a deleted user', null],
    ['a disabled user', identity('disabled')],
    ['a suspended organization', identity('active', 'suspended')],
  ])('ends the session of %s and answers 401', async (_case, rebuilt) => {
    identities.rebuild.mockResolvedValue(rebuilt);
    await expect(service.refresh('presented')).rejects.toMatchObject(INVALID);
    expect(sessions.end).toHaveBeenCalledWith(ORG, 'user-1', 'session-1');
    expect(issuer.accessTokenFor).not.toHaveBeenCalled();
  });
});
