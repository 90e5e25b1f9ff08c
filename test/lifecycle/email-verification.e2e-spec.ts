import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { KV_STORE, type KeyValueStore } from '../../src/kv/kv-store';
import { AccountToken } from '../../src/modules/account-tokens/account-token.entity';
import {
  AccountTokenError,
  AccountTokens,
  hashToken,
} from '../../src/modules/account-tokens/account-tokens.service';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { AccountMailKeys } from '../../src/modules/auth/account-mail-limit';
import { canonicalEmail } from '../../src/security/email';
import { SystemScope } from '../../src/tenancy/system-scope.service';
import { login, me, register, type Registered, request } from '../support/api-client';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { linkToken, readOutbox } from '../support/mailbox';
import { type ReceivedMail, startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { WALK_ENV } from '../support/tenants';
import { createInvitation } from '../support/invitations';
import { startTestApp, type TestApp } from '../support/test-app';
import { sleep, waitFor } from '../support/time';

const APP_URL = 'https://app.example.test';
const ENV = { ...JOB_TEST_ENV, ...WALK_ENV, APP_URL };

interface Verified {
  email: string;
  emailVerifiedAt: string;
  emailChanged: boolean;
}

/** Runs on both backends, with mail through a real SMTP server; the last suite reads .eml files. */
describe('email verification', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ env: { ...ENV, SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const verifyMails = (to: string) =>
    sink.messages.filter(
      (mail) => mail.recipients.includes(to) && mail.subject.endsWith('confirm your email address'),
    );
  /** The n-th verification mail to `to` (1-based), once it has arrived. */
  const nthVerifyMail = async (to: string, n: number): Promise<ReceivedMail> => {
    await waitFor(() => verifyMails(to).length >= n);
    return verifyMails(to)[n - 1];
  };
  const follow = (mail: ReceivedMail, tenant: string) =>
    request<Verified>(t, 'POST', '/api/auth/email/verify', {
      body: { token: linkToken(mail, 'verify-email', APP_URL) },
      tenant,
    });
  const resend = (owner: Registered) =>
    request(t, 'POST', '/api/auth/email/resend', { token: owner.tokens.accessToken });
  const verifiedAtOnMe = async (token: string) =>
    (await me(t, token)).json<{ user: { emailVerifiedAt: string | null } }>().data.user
      .emailVerifiedAt;
  const asTenant = <T>(owner: Registered, work: () => Promise<T>) =>
    t.app.get(SystemScope).asTenant(owner.organization, 'test', work);
  const issue = async (
    owner: Registered,
    purpose: AccountToken['purpose'],
    email = owner.email,
  ): Promise<{ token: string }> => {
    // An invitation token belongs to a real invitation (a foreign key).
    const subject =
      purpose === 'invitation'
        ? { invitationId: await createInvitation(t, owner.tokens.accessToken) }
        : { userId: owner.user.id };
    return asTenant(owner, () =>
      t.app.get(AccountTokens).issue(purpose, { ...subject, email: canonicalEmail(email) }, 600),
    );
  };

  it('register mails a link; following it verifies the address, shown on /me and in the user list; a second use is 410', async () => {
    const owner = await register(t);
    expect(await verifiedAtOnMe(owner.tokens.accessToken)).toBeNull();
    const mail = await nthVerifyMail(owner.email, 1);
    expect(mail.subject).toBe(`${owner.organization.name}: confirm your email address`);

    const verified = await follow(mail, owner.organization.subdomain);
    expect([verified.status, verified.body.data.email, verified.body.data.emailChanged]).toEqual([
      200,
      owner.email,
      false,
    ]);
    const at = verified.body.data.emailVerifiedAt;
    expect(Date.now() - Date.parse(at)).toBeLessThan(10_000);
    // The session of the registration sees it at once: the cached identity was dropped.
    expect(await verifiedAtOnMe(owner.tokens.accessToken)).toBe(at);
    const users = await request<{ email: string; emailVerifiedAt: string }[]>(
      t,
      'GET',
      '/api/users',
      {
        token: owner.tokens.accessToken,
      },
    );
    expect(users.body.data.map((user) => [user.email, user.emailVerifiedAt])).toEqual([
      [owner.email, at],
    ]);

    const again = await follow(mail, owner.organization.subdomain);
    expect([again.status, again.body.error]).toEqual([410, 'TOKEN_USED']);
    expect(await resend(owner)).toMatchObject({ status: 409 });
  });

  it('an organization requiring verified emails refuses the unverified login with 403, mails a new link, and lets the user in once verified', async () => {
    const owner = await register(t);
    await nthVerifyMail(owner.email, 1);
    const settings = await request(t, 'PATCH', '/api/organizations/current', {
      token: owner.tokens.accessToken,
      body: { requireVerifiedEmail: true },
    });
    expect(settings.status).toBe(200);
    const tenant = owner.organization.subdomain;

    // A wrong password learns nothing about verification, and mails nothing.
    const wrong = await login(t, tenant, owner.email, 'not-the-password');
    const unknown = await login(t, tenant, `nobody-${owner.email}`, 'not-the-password');
    expect([wrong.status, wrong.body.error, wrong.body.message]).toEqual([
      unknown.status,
      unknown.body.error,
      unknown.body.message,
    ]);
    expect(wrong.status).toBe(401);

    const refused = await login(t, tenant, owner.email, owner.password);
    expect([refused.status, refused.body.error]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    expect(refused.body.message).toMatch(/new verification email is on its way/);
    const second = await nthVerifyMail(owner.email, 2);

    // The allowance is shared with resend: one a minute.
    const soon = await login(t, tenant, owner.email, owner.password);
    expect([soon.status, soon.body.error]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    expect(soon.body.message).toMatch(/verification email already sent/);
    expect((await resend(owner)).status).toBe(429);
    await sleep(800);
    expect(verifyMails(owner.email)).toHaveLength(2);

    expect((await follow(second, tenant)).status).toBe(200);
    const admitted = await login(t, tenant, owner.email, owner.password);
    expect(admitted.status).toBe(200);
    expect(
      admitted.json<{ user: { emailVerifiedAt: string | null } }>().data.user.emailVerifiedAt,
    ).not.toBeNull();
  });

  it('resend: 202 and a new link, at most one a minute and five a day (429 with Retry-After)', async () => {
    const owner = await register(t);
    await nthVerifyMail(owner.email, 1);
    const kv = t.app.get<KeyValueStore>(KV_STORE);
    const minutePasses = () => kv.delete(AccountMailKeys.minute('verification', owner.user.id));

    const first = await resend(owner);
    expect([first.status, first.body.data]).toEqual([202, null]);
    await nthVerifyMail(owner.email, 2);
    const tooSoon = await resend(owner);
    expect([tooSoon.status, tooSoon.body.error]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    for (let sent = 2; sent <= 5; sent += 1) {
      await minutePasses();
      expect((await resend(owner)).status).toBe(202);
    }
    await minutePasses();
    const tooMany = await resend(owner);
    expect(tooMany.status).toBe(429);
    expect(Number(tooMany.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    await nthVerifyMail(owner.email, 6);
    await sleep(500);
    expect(verifyMails(owner.email)).toHaveLength(6);
    // Each new link works on its own: the last one verifies.
    expect((await follow(verifyMails(owner.email)[5], owner.organization.subdomain)).status).toBe(
      200,
    );
  });

  it('refuses tokens of other purposes, other organizations, other addresses and expired ones, and they keep working where they belong', async () => {
    const owner = await register(t);
    const other = await register(t);
    const tenant = owner.organization.subdomain;
    const verify = (token: string, at = tenant) =>
      request(t, 'POST', '/api/auth/email/verify', { body: { token }, tenant: at });
    const outcome = (result: { status: number; body: { error?: string } }) => [
      result.status,
      result.body.error,
    ];

    const reset = await issue(owner, 'reset-password');
    const invitation = await issue(owner, 'invitation');
    expect(outcome(await verify(reset.token))).toEqual([400, 'TOKEN_INVALID']);
    expect(outcome(await verify(invitation.token))).toEqual([400, 'TOKEN_INVALID']);
    await asTenant(owner, () => t.app.get(AccountTokens).consume('reset-password', reset.token));

    // Verification and email-change links are no reset links either.
    for (const purpose of ['verify-email', 'change-email'] as const) {
      const { token } = await issue(owner, purpose, `x-${owner.email}`);
      const refusal = await asTenant(owner, () =>
        t.app.get(AccountTokens).consume('reset-password', token),
      ).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(AccountTokenError);
      expect((refusal as AccountTokenError).code).toBe('TOKEN_INVALID');
    }

    const mine = await issue(owner, 'verify-email');
    expect(outcome(await verify(mine.token, other.organization.subdomain))).toEqual([
      400,
      'TOKEN_INVALID',
    ]);
    expect(outcome(await verify(mine.token, ''))).toEqual([400, 'TENANT_REQUIRED']);
    expect((await verify(mine.token)).status).toBe(200);

    const stale = await issue(owner, 'verify-email', `former-${owner.email}`);
    expect(outcome(await verify(stale.token))).toEqual([400, 'TOKEN_INVALID']);

    const expired = await issue(other, 'verify-email');
    await t.app
      .get(DataSource)
      .getRepository(AccountToken)
      .update({ tokenHash: hashToken(expired.token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(outcome(await verify(expired.token, other.organization.subdomain))).toEqual([
      410,
      'TOKEN_EXPIRED',
    ]);
    expect(outcome(await verify('not-a-token'))).toEqual([400, 'TOKEN_INVALID']);
  });

  it('writes audit rows without any token, and logs none', async () => {
    const owner = await register(t);
    const mail = await nthVerifyMail(owner.email, 1);
    expect((await follow(mail, owner.organization.subdomain)).status).toBe(200);
    const rows = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .findBy({ organizationId: owner.organization.id });
    expect(rows.map((row) => row.action)).toEqual(
      expect.arrayContaining(['auth.registered', 'user.email.verified']),
    );
    const verifiedRow = rows.find((row) => row.action === 'user.email.verified');
    expect(verifiedRow).toMatchObject({ userId: owner.user.id, entityId: owner.user.id });

    const tokens = sink.messages.flatMap((received) =>
      [...received.text.matchAll(/[?&]token=([A-Za-z0-9_-]+)/g)].map((match) => match[1]),
    );
    expect(tokens.length).toBeGreaterThan(5);
    const everyRow = JSON.stringify(await t.app.get(DataSource).getRepository(AuditLog).find());
    const everyLine = JSON.stringify(t.logs);
    for (const token of tokens) {
      expect(everyRow).not.toContain(token);
      expect(everyLine).not.toContain(token);
    }
  });
});

describe('email verification with mail as .eml files (SMTP_URL unset)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verify-outbox-'));
    t = await startTestApp({ env: { ...ENV, MAIL_OUTBOX_DIR: dir } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('register writes the verification mail; its link verifies the address', async () => {
    const owner = await register(t);
    let mails = await readOutbox(dir);
    await waitFor(async () => {
      mails = (await readOutbox(dir)).filter((mail) => mail.to.includes(owner.email));
      return mails.length > 0;
    });
    const token = linkToken(mails[0], 'verify-email', APP_URL);
    const verified = await request<Verified>(t, 'POST', '/api/auth/email/verify', {
      body: { token },
      tenant: owner.organization.subdomain,
    });
    expect(verified.status).toBe(200);
    expect(
      (await me(t, owner.tokens.accessToken)).json<{ user: { emailVerifiedAt: string } }>().data
        .user.emailVerifiedAt,
    ).toBe(verified.body.data.emailVerifiedAt);
  });
});
