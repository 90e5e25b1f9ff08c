import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PASSWORD, register, type Registered, request } from '../../../test/support/api-client';
import { startTestApp, type TestApp } from '../../../test/support/test-app';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { ErrorCode } from '../../http/error-codes';
import { canonicalEmail } from '../../security/email';
import { Invitation } from '../invitations/invitation.entity';
import { InvitationsRepository } from '../invitations/invitations.repository';
import { SystemScope } from '../../tenancy/system-scope.service';
import { MissingTenantContextError } from '../../tenancy/tenant-context';
import { AccountToken, type AccountTokenPurpose } from './account-token.entity';
import { AccountTokenError, AccountTokens } from './account-tokens.service';

/** Runs on both backends: MariaDB in the mysql pass, SQLite in the embedded pass. */
describe('account tokens', () => {
  let t: TestApp;
  let tokens: AccountTokens;
  let scope: SystemScope;
  let a: Registered;
  let b: Registered;
  const rows = () => t.app.get(DataSource).getRepository(AccountToken);
  const as = <T>(org: Registered, work: () => Promise<T>) =>
    scope.asTenant(org.organization, 'test', work);
  const issue = (org: Registered, purpose: AccountTokenPurpose = 'reset-password', ttl = 600) =>
    as(org, () =>
      tokens.issue(purpose, { userId: org.user.id, email: canonicalEmail(org.email) }, ttl),
    );
  /** The code consume() refused with, or 'ok'. */
  const outcome = async (org: Registered, purpose: AccountTokenPurpose, token: string) => {
    try {
      await as(org, () => tokens.consume(purpose, token));
      return 'ok';
    } catch (error) {
      if (!(error instanceof AccountTokenError)) throw error;
      return `${error.getStatus()} ${error.code}`;
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    tokens = t.app.get(AccountTokens);
    scope = t.app.get(SystemScope);
    a = await register(t);
    b = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('issues 32 random bytes in base64url and stores only their SHA-256', async () => {
    const { token, expiresAt } = await issue(a);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
    const hash = createHash('sha256').update(token).digest('hex');
    const row = await rows().findOneByOrFail({ tokenHash: hash });
    expect(row).toMatchObject({ organizationId: a.organization.id, userId: a.user.id });
    expect(JSON.stringify(await rows().find())).not.toContain(token);
  });

  it('consumes a token once and returns what it was issued for', async () => {
    const { token } = await issue(a);
    const record = await as(a, () => tokens.consume('reset-password', token));
    expect(record).toMatchObject({
      organizationId: a.organization.id,
      purpose: 'reset-password',
      userId: a.user.id,
      invitationId: null,
      email: canonicalEmail(a.email),
    });
    expect(await outcome(a, 'reset-password', token)).toBe(`410 ${ErrorCode.TOKEN_USED}`);
  });

  it('lets exactly one of 10 concurrent consumes win', async () => {
    const { token } = await issue(a);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => outcome(a, 'reset-password', token)),
    );
    expect(outcomes.filter((result) => result === 'ok')).toHaveLength(1);
    expect(outcomes.filter((result) => result === `410 ${ErrorCode.TOKEN_USED}`)).toHaveLength(9);
  });

  it('refuses a token for another purpose as invalid, and keeps it for its own', async () => {
    const { token } = await issue(a, 'verify-email');
    for (const purpose of ['reset-password', 'invitation', 'change-email'] as const)
      expect(await outcome(a, purpose, token)).toBe(`400 ${ErrorCode.TOKEN_INVALID}`);
    expect(await outcome(a, 'verify-email', token)).toBe('ok');
  });

  it('refuses a token in another organization as invalid, and keeps it for its own', async () => {
    const { token } = await issue(a);
    expect(await outcome(b, 'reset-password', token)).toBe(`400 ${ErrorCode.TOKEN_INVALID}`);
    expect(await outcome(a, 'reset-password', token)).toBe('ok');
  });

  it('refuses unknown and malformed tokens as invalid', async () => {
    const unknown = Buffer.alloc(32, 7).toString('base64url');
    for (const token of [unknown, '', 'short', `${unknown}x`, 'a'.repeat(10_000)])
      expect(await outcome(a, 'reset-password', token)).toBe(`400 ${ErrorCode.TOKEN_INVALID}`);
  });

  it('refuses an expired token as expired, and it stays dead', async () => {
    const { token } = await issue(a);
    const tokenHash = createHash('sha256').update(token).digest('hex');
    await rows().update({ tokenHash }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await outcome(a, 'reset-password', token)).toBe(`410 ${ErrorCode.TOKEN_EXPIRED}`);
    expect(await outcome(a, 'reset-password', token)).toBe(`410 ${ErrorCode.TOKEN_EXPIRED}`);
  });

  it('expires by the lifetime it was issued with', async () => {
    const { token } = await issue(a, 'reset-password', 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await outcome(a, 'reset-password', token)).toBe(`410 ${ErrorCode.TOKEN_EXPIRED}`);
  });

  it('revokes every live token of one purpose and subject, and nothing else', async () => {
    const user = await register(t);
    const first = await issue(user);
    const second = await issue(user);
    const verify = await issue(user, 'verify-email');
    const other = await issue(b);
    const revoked = await as(user, () => tokens.revoke('reset-password', { userId: user.user.id }));
    expect(revoked).toBe(2);
    expect(await outcome(user, 'reset-password', first.token)).toBe(`410 ${ErrorCode.TOKEN_USED}`);
    expect(await outcome(user, 'reset-password', second.token)).toBe(`410 ${ErrorCode.TOKEN_USED}`);
    expect(await outcome(user, 'verify-email', verify.token)).toBe('ok');
    expect(await outcome(b, 'reset-password', other.token)).toBe('ok');
  });

  it('revokes an invitation token by its invitation', async () => {
    const email = canonicalEmail('invitee@example.com');
    // Written directly, without the outbox event, so no send job makes tokens of its own.
    const { id: invitationId } = await as(a, () =>
      t.app.get(InvitationsRepository).insert(
        Object.assign(new Invitation(), {
          email,
          pendingEmail: email,
          status: 'pending',
          invitedBy: null,
          sendCount: 1,
          expiresAt: new Date(Date.now() + 600_000),
          acceptedAt: null,
          revokedAt: null,
          roles: [],
        }),
      ),
    );
    const { token } = await as(a, () =>
      tokens.issue('invitation', { invitationId, email }, tokens.ttlSeconds('invitation')),
    );
    expect(await as(a, () => tokens.revoke('invitation', { invitationId }))).toBe(1);
    expect(await outcome(a, 'invitation', token)).toBe(`410 ${ErrorCode.TOKEN_USED}`);
  });

  it('leaves the token usable when the consuming transaction rolls back', async () => {
    const { token } = await issue(a);
    const transactions = t.app.get(TransactionRunner);
    await expect(
      as(a, () =>
        transactions.run(async (manager) => {
          await tokens.consume('reset-password', token, manager);
          throw new Error('the change failed');
        }),
      ),
    ).rejects.toThrow('the change failed');
    expect(await outcome(a, 'reset-password', token)).toBe('ok');
  });

  it('refuses to work without a tenant', async () => {
    const { token } = await issue(a);
    await expect(tokens.consume('reset-password', token)).rejects.toBeInstanceOf(
      MissingTenantContextError,
    );
    await expect(
      tokens.issue('reset-password', { userId: a.user.id, email: canonicalEmail(a.email) }, 60),
    ).rejects.toBeInstanceOf(MissingTenantContextError);
    expect(await outcome(a, 'reset-password', token)).toBe('ok');
  });

  it('has the configured lifetimes: invitation 7d, reset 30m, verification 48h', () => {
    expect(tokens.ttlSeconds('invitation')).toBe(7 * 24 * 3600);
    expect(tokens.ttlSeconds('reset-password')).toBe(30 * 60);
    expect(tokens.ttlSeconds('verify-email')).toBe(48 * 3600);
    expect(tokens.ttlSeconds('change-email')).toBe(48 * 3600);
  });

  it('kills the reset links when the password is changed, and only those', async () => {
    const user = await register(t);
    const reset = await issue(user);
    const verify = await issue(user, 'verify-email');
    const response = await request(t, 'POST', '/api/auth/change-password', {
      token: user.tokens.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'An0ther-Tricky-Passw0rd' },
    });
    expect([response.status, response.body.success]).toEqual([200, true]);
    expect(await outcome(user, 'reset-password', reset.token)).toBe(`410 ${ErrorCode.TOKEN_USED}`);
    expect(await outcome(user, 'verify-email', verify.token)).toBe('ok');
  });
});
