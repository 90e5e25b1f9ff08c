import type { EntityManager } from 'typeorm';
import type { UserPrincipal } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import type { OutboxService } from '../../outbox/outbox.service';
import type { AccountTokens } from '../account-tokens/account-tokens.service';
import type { PasswordHasher } from '../../security/password-hasher.service';
import { AuditAction } from '../audit/audit-actions';
import type { AuditService } from '../audit/audit.service';
import type { SessionService } from '../sessions/session.service';
import { User } from '../users/user.entity';
import type { UsersRepository } from '../users/users.repository';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
import type { LoginThrottle } from './login-throttle';
import { PasswordChangeService } from './password-change.service';

const LIMIT = { name: 'auth-ip', limit: 30, windowSeconds: 60 };

const manager = {} as EntityManager;
const CURRENT = 'old horse battery staple';
const NEXT = 'new horse battery staple';

/** Stands in for bcrypt: a hash is "bcrypt:<password>". */
const hashOf = (password: string): string => `bcrypt:${password}`;

const principal: UserPrincipal = {
  kind: 'tenant',
  userId: 'user-1',
  organizationId: '33333333-3333-4333-8333-333333333333',
  email: 'ada@acme.test',
  roles: [],
  permissions: [],
  sessionId: 'this-session',
  tokenId: 'token',
  tokenExpiresAt: 0,
  identity: {} as UserPrincipal['identity'],
};

describe('PasswordChangeService', () => {
  let throttle: jest.Mocked<Pick<LoginThrottle, 'attemptPasswordCheck' | 'passwordCheckSucceeded'>>;
  let users: jest.Mocked<
    Pick<UsersRepository, 'findByIdWithCredentials' | 'transactional' | 'update'>
  >;
  let hasher: jest.Mocked<Pick<PasswordHasher, 'hash' | 'verify'>>;
  let sessions: jest.Mocked<Pick<SessionService, 'endAll'>>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let accountTokens: jest.Mocked<Pick<AccountTokens, 'revoke'>>;
  let outbox: jest.Mocked<Pick<OutboxService, 'record'>>;
  let committed: boolean[];
  let service: PasswordChangeService;

  beforeEach(() => {
    throttle = {
      attemptPasswordCheck: jest.fn().mockResolvedValue(undefined),
      passwordCheckSucceeded: jest.fn().mockResolvedValue(undefined),
    };
    users = {
      findByIdWithCredentials: jest.fn().mockResolvedValue(
        Object.assign(new User(), {
          id: 'user-1',
          organizationId: principal.organizationId,
          email: 'ada@acme.test',
          firstName: 'Ada',
          passwordHash: hashOf(CURRENT),
        }),
      ),
      transactional: jest.fn(),
      update: jest.fn().mockResolvedValue(true),
    };
    users.transactional.mockReturnValue(users as unknown as UsersRepository);
    hasher = {
      hash: jest.fn(async (password: string) => hashOf(password)),
      verify: jest.fn(
        async (password: string, hash: string | null | undefined) => hash === hashOf(password),
      ),
    };
    sessions = { endAll: jest.fn().mockResolvedValue(2) };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    accountTokens = { revoke: jest.fn().mockResolvedValue(1) };
    outbox = { record: jest.fn().mockResolvedValue(undefined) };
    committed = [];
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
    service = new PasswordChangeService(
      throttle as unknown as LoginThrottle,
      users as unknown as UsersRepository,
      hasher as unknown as PasswordHasher,
      sessions as unknown as SessionService,
      audit as unknown as AuditService,
      transactions as TransactionRunner,
      accountTokens as unknown as AccountTokens,
      outbox,
    );
  });

  it('stores the new hash with its audit row, then ends every other session', async () => {
    await expect(service.changePassword(principal, CURRENT, NEXT)).resolves.toBe(2);
    expect(throttle.attemptPasswordCheck).toHaveBeenCalledWith('user-1');
    expect(throttle.passwordCheckSucceeded).toHaveBeenCalledWith('user-1');
    expect(users.transactional).toHaveBeenCalledWith(manager);
    expect(users.update).toHaveBeenCalledWith('user-1', {
      passwordHash: hashOf(NEXT),
      updatedBy: 'user-1',
    });
    expect(audit.record).toHaveBeenCalledWith(
      { action: AuditAction.PASSWORD_CHANGED, entityType: 'user', entityId: 'user-1' },
      manager,
    );
    // A reset link mailed before the change dies with the old password, in the same transaction.
    expect(accountTokens.revoke).toHaveBeenCalledWith(
      'reset-password',
      { userId: 'user-1' },
      manager,
    );
    // The notice to the account's address is recorded with the change, never sent from here.
    expect(outbox.record).toHaveBeenCalledWith(manager, {
      type: 'mail.password-changed',
      organizationId: principal.organizationId,
      payload: {
        email: 'ada@acme.test',
        firstName: 'Ada',
        changedAt: expect.any(String) as unknown,
      },
    });
    expect(committed).toEqual([true]);
    expect(sessions.endAll).toHaveBeenCalledWith(
      principal.organizationId,
      'user-1',
      'this-session',
    );
    expect(audit.record.mock.invocationCallOrder[0]).toBeLessThan(
      sessions.endAll.mock.invocationCallOrder[0],
    );
  });

  it('refuses a wrong current password (400), keeps the attempt counted and writes nothing', async () => {
    await expect(service.changePassword(principal, 'a guess', NEXT)).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_CREDENTIALS',
    });
    expect(throttle.attemptPasswordCheck).toHaveBeenCalledWith('user-1');
    expect(throttle.passwordCheckSucceeded).not.toHaveBeenCalled();
    expect(users.update).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
    expect(sessions.endAll).not.toHaveBeenCalled();
  });

  it('checks no password once the throttle refuses the attempt', async () => {
    throttle.attemptPasswordCheck.mockRejectedValue(tooManyRequests(LIMIT, 60));
    await expect(service.changePassword(principal, CURRENT, NEXT)).rejects.toMatchObject({
      status: 429,
    });
    expect(users.findByIdWithCredentials).not.toHaveBeenCalled();
    expect(hasher.verify).not.toHaveBeenCalled();
  });

  it('refuses a new password equal to the current one (400 on newPassword)', async () => {
    await expect(service.changePassword(principal, CURRENT, CURRENT)).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
      details: [
        { field: 'newPassword', messages: ['newPassword must differ from the current password'] },
      ],
    });
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.endAll).not.toHaveBeenCalled();
  });

  it('ends no session when the change could not be audited', async () => {
    audit.record.mockRejectedValue(new Error('audit insert failed'));
    await expect(service.changePassword(principal, CURRENT, NEXT)).rejects.toThrow(
      'audit insert failed',
    );
    expect(committed).toEqual([false]);
    expect(sessions.endAll).not.toHaveBeenCalled();
    expect(outbox.record).not.toHaveBeenCalled();
  });
});
