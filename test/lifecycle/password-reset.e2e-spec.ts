import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  type ApiResponse,
  type AuthData,
  login,
  me,
  PASSWORD,
  register,
  type Registered,
  request,
  tokensOf,
} from '../support/api-client';
import { linkToken, readOutbox, TEST_APP_URL } from '../support/mailbox';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { type ReceivedMail, type SmtpSink, startSmtpSink } from '../support/smtp-sink';
import { sleep, waitFor } from '../support/time';
import { startTestApp, type TestApp } from '../support/test-app';

const NEW_PASSWORD = 'A-brand-new-passphrase';

interface AuditRow {
  action: string;
  organization_id: string | null;
  user_id: string | null;
  metadata: string | null;
}

const forgot = (t: TestApp, tenant: string, email: string): Promise<ApiResponse<null>> =>
  request<null>(t, 'POST', '/api/auth/password/forgot', { body: { email }, tenant });

const reset = (t: TestApp, tenant: string, token: string, password = NEW_PASSWORD) =>
  request<{ sessionsEnded: number }>(t, 'POST', '/api/auth/password/reset', {
    body: { token, password },
    tenant,
  });

async function auditRows(t: TestApp, organizationId: string): Promise<AuditRow[]> {
  return t.app
    .get(DataSource)
    .query(
      'SELECT action, organization_id, user_id, metadata FROM audit_logs WHERE organization_id = ? ORDER BY created_at',
      [organizationId],
    );
}

describe('password reset, with mail through a real SMTP server', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ env: { ...JOB_TEST_ENV, SMTP_URL: sink.url, APP_URL: TEST_APP_URL } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const mailTo = (email: string, subject: RegExp): Promise<ReceivedMail> =>
    sink.waitFor((mail) => mail.recipients.includes(email) && subject.test(mail.subject));

  it('mails a link that sets a new password, ends every session, and then mails a notice', async () => {
    const owner: Registered = await register(t);
    const subdomain = owner.organization.subdomain;
    const other = tokensOf(await login(t, subdomain, owner.email, PASSWORD)).accessToken;

    const requested = await forgot(t, subdomain, owner.email);
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ success: true, data: null });

    const mail = await mailTo(owner.email, /reset your password/);
    expect(mail.subject).toBe(`${owner.organization.name}: reset your password`);
    expect(mail.text).toContain('Hello Ada,');
    const token = linkToken(mail, 'reset-password', TEST_APP_URL);

    const done = await reset(t, subdomain, token);
    expect(done.status).toBe(200);
    expect(done.body.data).toEqual({ sessionsEnded: 2 });
    expect((await me(t, owner.tokens.accessToken)).status).toBe(401);
    expect((await me(t, other)).status).toBe(401);
    expect((await login(t, subdomain, owner.email, PASSWORD)).status).toBe(401);
    const signedIn = await login(t, subdomain, owner.email, NEW_PASSWORD);
    expect(signedIn.status).toBe(200);
    // Following the link proved the address.
    const profile = signedIn.json<AuthData & { user: { emailVerifiedAt: string | null } }>();
    expect(profile.data.user.emailVerifiedAt).toEqual(expect.any(String));

    const notice = await mailTo(owner.email, /your password was changed/);
    expect(notice.subject).toBe(`${owner.organization.name}: your password was changed`);
    expect(notice.text).not.toContain('token=');

    const rows = await auditRows(t, owner.organization.id);
    const flow = rows.filter((row) => row.action.startsWith('auth.password.'));
    expect(flow.map((row) => [row.action, row.user_id])).toEqual([
      ['auth.password.reset_requested', null],
      ['auth.password.reset_link_sent', owner.user.id],
      ['auth.password.reset', owner.user.id],
    ]);
    expect(JSON.parse(flow[1].metadata ?? '{}')).toMatchObject({
      email: owner.email,
      systemScope: 'job:mail.password-reset',
    });
  });

  it('answers an unknown address and a disabled account as it answers a known one, and mails neither', async () => {
    const owner = await register(t);
    const subdomain = owner.organization.subdomain;
    const disabledEmail = `gone@${subdomain}.test`;
    const created = await request<{ id: string }>(t, 'POST', '/api/users', {
      token: owner.tokens.accessToken,
      body: {
        email: disabledEmail,
        password: PASSWORD,
        firstName: 'Gone',
        lastName: 'User',
        roles: ['client'],
      },
    });
    expect(created.status).toBe(201);
    const disabled = await request(t, 'DELETE', `/api/users/${created.body.data.id}`, {
      token: owner.tokens.accessToken,
    });
    expect(disabled.status).toBe(200);
    const unknownEmail = `nobody@${subdomain}.test`;

    const answers = await Promise.all(
      [owner.email, unknownEmail, disabledEmail].map((email) => forgot(t, subdomain, email)),
    );
    const shapes = answers.map((answer) => {
      const body = { ...answer.body, requestId: undefined };
      return { status: answer.status, body };
    });
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);

    await waitFor(
      async () =>
        (await auditRows(t, owner.organization.id)).filter(
          (row) => row.action === 'auth.password.reset_not_sent',
        ).length === 2,
    );
    const skipped = (await auditRows(t, owner.organization.id))
      .filter((row) => row.action === 'auth.password.reset_not_sent')
      .map((row) => JSON.parse(row.metadata ?? '{}') as { email: string; reason: string })
      .map(({ email, reason }) => [email, reason])
      .sort();
    expect(skipped).toEqual([
      [disabledEmail, 'inactive'],
      [unknownEmail, 'unknown_email'],
    ]);
    await mailTo(owner.email, /reset your password/);
    await sleep(300);
    const recipients = sink.messages.flatMap((mail) => mail.recipients);
    expect(recipients).not.toContain(unknownEmail);
    expect(recipients).not.toContain(disabledEmail);
  });

  it('needs an organization, and refuses a body naming anything but the email', async () => {
    const owner = await register(t);
    const noTenant = await request(t, 'POST', '/api/auth/password/forgot', {
      body: { email: owner.email },
    });
    expect([noTenant.status, noTenant.body.error]).toEqual([400, 'TENANT_REQUIRED']);
    const extra = await request(t, 'POST', '/api/auth/password/forgot', {
      body: { email: owner.email, organizationId: owner.organization.id },
      tenant: owner.organization.subdomain,
    });
    expect([extra.status, extra.body.error]).toEqual([400, 'VALIDATION_ERROR']);
    const unknownTenant = await forgot(t, 'no-such-organization', owner.email);
    expect([unknownTenant.status, unknownTenant.body.error]).toEqual([404, 'TENANT_NOT_FOUND']);
  });

  it('applies the password policy, and a refused password leaves the link usable', async () => {
    const owner = await register(t);
    const subdomain = owner.organization.subdomain;
    expect((await forgot(t, subdomain, owner.email)).status).toBe(202);
    const token = linkToken(
      await mailTo(owner.email, /reset your password/),
      'reset-password',
      TEST_APP_URL,
    );
    const weak = await reset(t, subdomain, token, 'password');
    expect([weak.status, weak.body.error]).toEqual([400, 'VALIDATION_ERROR']);
    expect(weak.body.details?.map((detail) => detail.field)).toEqual(['password']);
    expect((await reset(t, subdomain, token)).status).toBe(200);
  });
});

describe('password reset on the embedded mail default (.eml files)', () => {
  let dir: string;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reset-outbox-'));
    t = await startTestApp({
      env: { ...JOB_TEST_ENV, MAIL_OUTBOX_DIR: dir, APP_URL: TEST_APP_URL },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the reset mail as an .eml file whose link works', async () => {
    const owner = await register(t);
    const subdomain = owner.organization.subdomain;
    expect((await forgot(t, subdomain, owner.email)).status).toBe(202);
    let mails = await readOutbox(dir);
    await waitFor(async () => {
      mails = await readOutbox(dir);
      return mails.some((mail) => mail.to.includes(owner.email) && /reset/.test(mail.subject));
    });
    // The registration also mailed a verification link; this is the reset mail.
    const mail = mails.find((item) => item.to.includes(owner.email) && /reset/.test(item.subject))!;
    expect(mail.subject).toBe(`${owner.organization.name}: reset your password`);
    expect(
      (await reset(t, subdomain, linkToken(mail, 'reset-password', TEST_APP_URL))).status,
    ).toBe(200);
    expect((await login(t, subdomain, owner.email, NEW_PASSWORD)).status).toBe(200);
    await waitFor(async () =>
      (await readOutbox(dir)).some((item) => /your password was changed/.test(item.subject)),
    );
  });
});
