import type { EntityManager } from 'typeorm';
import { type AppConfig, loadConfig } from '../../config/app-config';
import type { TenantRef } from '../../context/request-context';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import type { OutboxService } from '../../outbox/outbox.service';
import { canonicalEmail } from '../../security/email';
import type { PasswordHasher } from '../../security/password-hasher.service';
import type { AccountTokenRecord, AccountTokens } from '../account-tokens/account-tokens.service';
import type { AuditService } from '../audit/audit.service';
import type { SessionControl } from '../sessions/session-control';
import { User } from '../users/user.entity';
import type { UsersRepository } from '../users/users.repository';
import type { EmailRateLimit } from './email-rate-limit';
import type { LoginThrottle } from './login-throttle';
import { PasswordResetService } from './password-reset.service';

const manager = {} as EntityManager;
const TENANT: TenantRef = { id: '33333333-3333-4333-8333-333333333333', subdomain: 'acme' };
const EMAIL = canonicalEmail('ada@acme.test');
const config: AppConfig = loadConfig({ NODE_ENV: 'test' });

describe('PasswordResetService', () => {
  let throttle: jest.Mocked<Pick<LoginThrottle, 'limitByIp'>>;
  let emailLimit: jest.Mocked<Pick<EmailRateLimit, 'limit'>>;
  let outbox: jest.Mocked<Pick<OutboxService, 'record'>>;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let users: jest.Mocked<Pick<UsersRepository, 'transactional' | 'findById' | 'update'>>;
  let tokens: jest.Mocked<Pick<AccountTokens, 'consume' | 'revoke'>>;
  let sessions: jest.Mocked<Pick<SessionControl, 'endAll'>>;
  let committed: boolean[];
  let service: PasswordResetService;
  let user: User;

  const record = (overrides: Partial<AccountTokenRecord> = {}): AccountTokenRecord => ({
    id: 'token-1',
    organizationId: TENANT.id,
    purpose: 'reset-password',
    userId: 'user-1',
    invitationId: null,
    email: EMAIL,
    expiresAt: new Date(Date.now() + 60_000),
    ...overrides,
  });

  beforeEach(() => {
    user = Object.assign(new User(), {
      id: 'user-1',
      organizationId: TENANT.id,
      email: EMAIL,
      firstName: 'Ada',
      status: 'active',
      emailVerifiedAt: null,
    });
    throttle = { limitByIp: jest.fn().mockResolvedValue(undefined) };
    emailLimit = { limit: jest.fn().mockResolvedValue(undefined) };
    outbox = { record: jest.fn().mockResolvedValue(undefined) };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    users = {
      transactional: jest.fn(),
      findById: jest.fn(async (_id: string) => user as User | null),
      update: jest.fn().mockResolvedValue(true),
    };
    users.transactional.mockReturnValue(users as unknown as UsersRepository);
    tokens = {
      consume: jest.fn().mockResolvedValue(record()),
      revoke: jest.fn().mockResolvedValue(1),
    };
    sessions = { endAll: jest.fn().mockResolvedValue(3) };
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
    const hasher: Pick<PasswordHasher, 'hash'> = { hash: async (password) => `bcrypt:${password}` };
    service = new PasswordResetService(
      throttle as unknown as LoginThrottle,
      emailLimit as unknown as EmailRateLimit,
      transactions as TransactionRunner,
      outbox,
      audit as unknown as AuditService,
      users as unknown as UsersRepository,
      hasher as PasswordHasher,
      tokens as unknown as AccountTokens,
      sessions as unknown as SessionControl,
      config,
    );
  });

  describe('forgot', () => {
    it('counts the client and the address, then records the request and its event together', async () => {
      await service.forgot(EMAIL, TENANT);
      expect(throttle.limitByIp).toHaveBeenCalledWith('password-forgot');
      expect(emailLimit.limit).toHaveBeenCalledWith('password-forgot', TENANT.id, EMAIL, {
        name: 'password-reset-email',
        limit: 5,
        windowSeconds: 3600,
      });
      expect(audit.record).toHaveBeenCalledWith(
        { action: 'auth.password.reset_requested', metadata: { email: EMAIL } },
        manager,
      );
      expect(outbox.record).toHaveBeenCalledWith(manager, {
        type: 'mail.password-reset',
        organizationId: TENANT.id,
        payload: { email: EMAIL },
      });
      expect(committed).toEqual([true]);
      // The decision is the job's: nothing here may depend on whether the account exists.
      expect(users.findById).not.toHaveBeenCalled();
    });

    it('needs an organization (400 TENANT_REQUIRED) and records nothing without one', async () => {
      await expect(service.forgot(EMAIL, undefined)).rejects.toMatchObject({
        status: 400,
        code: 'TENANT_REQUIRED',
      });
      expect(outbox.record).not.toHaveBeenCalled();
    });
  });

  describe('reset', () => {
    it('uses the token, stores the hash, kills the other links, records row and notice, then ends every session', async () => {
      await expect(service.reset('token', 'new password', TENANT)).resolves.toBe(3);
      expect(tokens.consume).toHaveBeenCalledWith('reset-password', 'token', manager);
      expect(users.update).toHaveBeenCalledWith('user-1', {
        passwordHash: 'bcrypt:new password',
        emailVerifiedAt: expect.any(Date) as unknown,
        updatedBy: 'user-1',
      });
      expect(tokens.revoke).toHaveBeenCalledWith('reset-password', { userId: 'user-1' }, manager);
      expect(outbox.record).toHaveBeenCalledWith(manager, {
        type: 'mail.password-changed',
        organizationId: TENANT.id,
        payload: { email: EMAIL, firstName: 'Ada', changedAt: expect.any(String) as unknown },
      });
      expect(sessions.endAll).toHaveBeenCalledWith(TENANT.id, 'user-1');
      // Inside the transaction, last: sessions that cannot be ended leave the password as it was.
      expect(sessions.endAll.mock.invocationCallOrder[0]).toBeGreaterThan(
        outbox.record.mock.invocationCallOrder[0],
      );
      expect(committed).toEqual([true]);
    });

    it('rolls everything back when the sessions cannot be ended', async () => {
      sessions.endAll.mockRejectedValue(new Error('Redis down'));
      await expect(service.reset('token', 'new password', TENANT)).rejects.toThrow('Redis down');
      expect(committed).toEqual([false]);
    });

    it('refuses the token of a disabled account (400 TOKEN_INVALID)', async () => {
      user.status = 'disabled';
      await expect(service.reset('token', 'new password', TENANT)).rejects.toMatchObject({
        status: 400,
        code: 'TOKEN_INVALID',
      });
      expect(committed).toEqual([false]);
    });

    it('refuses a link sent to an address the account no longer has (410 TOKEN_USED)', async () => {
      tokens.consume.mockResolvedValue(record({ email: canonicalEmail('old@acme.test') }));
      await expect(service.reset('token', 'new password', TENANT)).rejects.toMatchObject({
        status: 410,
        code: 'TOKEN_USED',
      });
      expect(users.update).not.toHaveBeenCalled();
      expect(committed).toEqual([false]);
    });

    it('keeps a verification that happened before', async () => {
      const verifiedAt = new Date('2026-01-01T00:00:00Z');
      user.emailVerifiedAt = verifiedAt;
      await service.reset('token', 'new password', TENANT);
      expect(users.update).toHaveBeenCalledWith(
        'user-1',
        expect.objectContaining({ emailVerifiedAt: verifiedAt }),
      );
    });
  });
});
