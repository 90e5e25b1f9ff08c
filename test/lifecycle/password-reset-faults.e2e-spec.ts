import { DataSource } from 'typeorm';
import { OutboxEvent } from '../../src/outbox/outbox-event.entity';
import { login, PASSWORD, register, request } from '../support/api-client';
import { linkToken, TEST_APP_URL } from '../support/mailbox';
import { failAuditInserts } from '../support/audit-probe';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink';
import { sleep } from '../support/time';
import { startTestApp, type TestApp } from '../support/test-app';

const NEW_PASSWORD = 'A-brand-new-passphrase';

/**
 * Faults that need neither MariaDB nor Redis, so they run on both backends: the SMTP relay down
 * while a reset is requested, and transactions that roll back.
 */
describe('password reset when things fail', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      // Enough attempts for the relay's absence (about 50 + 100 + ... ms between them).
      env: { ...JOB_TEST_ENV, JOB_MAX_ATTEMPTS: '12', SMTP_URL: sink.url, APP_URL: TEST_APP_URL },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const resetMails = (email: string) =>
    sink.messages.filter(
      (mail) => mail.recipients.includes(email) && /reset your password/.test(mail.subject),
    );
  const eventsOf = async (type: string, organizationId: string) =>
    (await t.app.get(DataSource).getRepository(OutboxEvent).find()).filter(
      (event) => event.type === type && event.organizationId === organizationId,
    );

  it('answers 202 while SMTP is down, and the mail arrives once, when SMTP is back', async () => {
    const owner = await register(t);
    const subdomain = owner.organization.subdomain;
    await sink.stop();
    try {
      const requested = await request(t, 'POST', '/api/auth/password/forgot', {
        body: { email: owner.email },
        tenant: subdomain,
      });
      expect(requested.status).toBe(202);
      // Long enough for several attempts to fail against the closed port.
      await sleep(800);
    } finally {
      await sink.start();
    }
    const mail = await sink.waitFor(
      (item) => item.recipients.includes(owner.email) && /reset your password/.test(item.subject),
      15_000,
    );
    // The job did try while the relay was away, and failed, before this one delivery.
    const failed = t.logs.filter(
      (line) =>
        line.msg === 'job failed' &&
        line.job === 'mail.password-reset' &&
        line.organizationId === owner.organization.id,
    );
    expect(failed.length).toBeGreaterThan(0);
    await sleep(500);
    expect(resetMails(owner.email)).toHaveLength(1);
    const done = await request(t, 'POST', '/api/auth/password/reset', {
      body: { token: linkToken(mail, 'reset-password', TEST_APP_URL), password: NEW_PASSWORD },
      tenant: subdomain,
    });
    expect(done.status).toBe(200);
  });

  it('a job that fails after its mail went out sends nothing more and issues no other token', async () => {
    const owner = await register(t);
    // The job's last step fails once its mail is out: the job is retried.
    const restore = await failAuditInserts(t, 'auth.password.reset_link_sent');
    try {
      await request(t, 'POST', '/api/auth/password/forgot', {
        body: { email: owner.email },
        tenant: owner.organization.subdomain,
      });
      await sink.waitFor(
        (item) => item.recipients.includes(owner.email) && /reset your password/.test(item.subject),
      );
      await sleep(800);
    } finally {
      await restore();
    }
    expect(resetMails(owner.email)).toHaveLength(1);
    const tokens: unknown[] = await t.app
      .get(DataSource)
      .query('SELECT id FROM account_tokens WHERE user_id = ? AND purpose = ?', [
        owner.user.id,
        'reset-password',
      ]);
    expect(tokens).toHaveLength(1);
  });

  it('a request whose transaction rolls back records no event and sends nothing', async () => {
    const owner = await register(t);
    const restore = await failAuditInserts(t, 'auth.password.reset_requested');
    try {
      const requested = await request(t, 'POST', '/api/auth/password/forgot', {
        body: { email: owner.email },
        tenant: owner.organization.subdomain,
      });
      expect([requested.status, requested.body.error]).toEqual([500, 'INTERNAL_ERROR']);
    } finally {
      await restore();
    }
    await sleep(600);
    expect(await eventsOf('mail.password-reset', owner.organization.id)).toEqual([]);
    expect(resetMails(owner.email)).toEqual([]);
  });

  it('a reset whose transaction rolls back changes nothing, sends nothing, and leaves the link usable', async () => {
    const owner = await register(t);
    const subdomain = owner.organization.subdomain;
    await request(t, 'POST', '/api/auth/password/forgot', {
      body: { email: owner.email },
      tenant: subdomain,
    });
    const mail = await sink.waitFor(
      (item) => item.recipients.includes(owner.email) && /reset your password/.test(item.subject),
    );
    const token = linkToken(mail, 'reset-password', TEST_APP_URL);
    const restore = await failAuditInserts(t, 'auth.password.reset');
    try {
      const refused = await request(t, 'POST', '/api/auth/password/reset', {
        body: { token, password: NEW_PASSWORD },
        tenant: subdomain,
      });
      expect(refused.status).toBe(500);
    } finally {
      await restore();
    }
    await sleep(600);
    expect(await eventsOf('mail.password-changed', owner.organization.id)).toEqual([]);
    const notices = sink.messages.filter(
      (item) => item.recipients.includes(owner.email) && /password was changed/.test(item.subject),
    );
    expect(notices).toEqual([]);
    // The old password and the old session still work; the link too, once the fault is gone.
    expect(
      (await request(t, 'GET', '/api/auth/me', { token: owner.tokens.accessToken })).status,
    ).toBe(200);
    expect((await login(t, subdomain, owner.email, PASSWORD)).status).toBe(200);
    const done = await request(t, 'POST', '/api/auth/password/reset', {
      body: { token, password: NEW_PASSWORD },
      tenant: subdomain,
    });
    expect(done.status).toBe(200);
    await sink.waitFor(
      (item) => item.recipients.includes(owner.email) && /password was changed/.test(item.subject),
    );
  });
});
