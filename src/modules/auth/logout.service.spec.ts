import type { UserPrincipal } from '../../context/request-context';
import { AuditAction } from '../audit/audit-actions';
import type { AuditService } from '../audit/audit.service';
import type { SessionRecord, SessionService } from '../sessions/session.service';
import { LogoutService } from './logout.service';

type SessionsMock = jest.Mocked<Pick<SessionService, 'blacklist' | 'end' | 'endAll' | 'get'>>;

const principal: UserPrincipal = {
  kind: 'tenant',
  userId: 'user-1',
  organizationId: '33333333-3333-4333-8333-333333333333',
  email: 'ada@acme.test',
  roles: [],
  permissions: [],
  sessionId: 'this-session',
  tokenId: 'token-1',
  tokenExpiresAt: 1_900_000_000,
  identity: {} as UserPrincipal['identity'],
};

function session(id: string, userId: string): SessionRecord {
  return {
    id,
    userId,
    organizationId: principal.organizationId,
    kind: 'tenant',
    userAgent: null,
    ip: null,
    createdAt: 0,
    lastUsedAt: 0,
    expiresAt: 0,
  };
}

describe('LogoutService', () => {
  let sessions: SessionsMock;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let service: LogoutService;

  beforeEach(() => {
    sessions = {
      blacklist: jest.fn().mockResolvedValue(undefined),
      end: jest.fn().mockResolvedValue(true),
      endAll: jest.fn().mockResolvedValue(3),
      get: jest.fn().mockResolvedValue(null),
    };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    service = new LogoutService(
      sessions as unknown as SessionService,
      audit as unknown as AuditService,
    );
  });

  it('logout blacklists this access token, ends this session and audits it', async () => {
    await service.logout(principal);
    expect(sessions.blacklist).toHaveBeenCalledWith(
      principal.organizationId,
      'token-1',
      1_900_000_000,
    );
    expect(sessions.end).toHaveBeenCalledWith(principal.organizationId, 'user-1', 'this-session');
    expect(audit.record).toHaveBeenCalledWith({
      action: AuditAction.LOGOUT,
      metadata: { sessionId: 'this-session' },
    });
  });

  it('logout-all ends every session of the user and audits how many', async () => {
    await expect(service.logoutAll(principal)).resolves.toBe(3);
    expect(sessions.blacklist).toHaveBeenCalledWith(
      principal.organizationId,
      'token-1',
      1_900_000_000,
    );
    expect(sessions.endAll).toHaveBeenCalledWith(principal.organizationId, 'user-1');
    expect(audit.record).toHaveBeenCalledWith({
      action: AuditAction.LOGOUT_ALL,
      metadata: { sessionsEnded: 3 },
    });
  });

  it("answers 404 for another user's session and ends nothing", async () => {
    sessions.get.mockResolvedValue(session('their-session', 'user-2'));
    await expect(service.endSession(principal, 'their-session')).rejects.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(sessions.end).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown or already ended session', async () => {
    await expect(service.endSession(principal, 'gone')).rejects.toMatchObject({ status: 404 });
    sessions.get.mockResolvedValue(session('ending', 'user-1'));
    sessions.end.mockResolvedValue(false);
    await expect(service.endSession(principal, 'ending')).rejects.toMatchObject({ status: 404 });
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('ends another own session without touching this token; ending this one blacklists it', async () => {
    sessions.get.mockResolvedValue(session('laptop', 'user-1'));
    await service.endSession(principal, 'laptop');
    expect(sessions.end).toHaveBeenCalledWith(principal.organizationId, 'user-1', 'laptop');
    expect(sessions.blacklist).not.toHaveBeenCalled();

    sessions.get.mockResolvedValue(session('this-session', 'user-1'));
    await service.endSession(principal, 'this-session');
    expect(sessions.blacklist).toHaveBeenCalledWith(
      principal.organizationId,
      'token-1',
      1_900_000_000,
    );
    expect(audit.record.mock.calls).toEqual([
      [{ action: AuditAction.SESSION_ENDED, metadata: { sessionId: 'laptop' } }],
      [{ action: AuditAction.SESSION_ENDED, metadata: { sessionId: 'this-session' } }],
    ]);
  });
});
