import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink';
import { startTestApp, type TestApp } from '../../test/support/test-app';
import { MailDeliveryRecord } from './mail-delivery.entity';
import { MailDelivery } from './mail-delivery.service';
import { MAILER, type Mailer, type MailMessage, MailTransportError } from './mailer';
import { SmtpMailer } from './smtp-mailer';
import { AccountEmails } from './templates/account-emails';

const APP_URL = 'https://app.acme.test';

/** A reset email to a unique address, so each test finds its own messages in the sink. */
function resetEmail(emails: AccountEmails, token: string = randomUUID()): MailMessage {
  return emails.resetPassword({
    to: `ada-${randomUUID()}@example.com`,
    organizationName: '<script>Acme</script>',
    firstName: 'Ada',
    token,
    expiresAt: new Date(Date.now() + 1800_000),
  });
}

/** Runs on both backends: the delivery log lives in MariaDB or SQLite. */
describe('mail delivery through SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let delivery: MailDelivery;
  let emails: AccountEmails;
  const organizationId = randomUUID();
  const sentTo = (to: string) => sink.messages.filter((mail) => mail.recipients.includes(to));
  const records = () => t.app.get(DataSource).getRepository(MailDeliveryRecord);

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      env: { SMTP_URL: sink.url, MAIL_FROM: 'Acme Mail <no-reply@acme.test>', APP_URL },
    });
    delivery = t.app.get(MailDelivery);
    emails = t.app.get(AccountEmails);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  afterEach(() => sink.behave({}));

  it('picks the SMTP adapter when SMTP_URL is set', () => {
    expect(t.app.get<Mailer>(MAILER).kind).toBe('smtp');
  });

  it('sends a real message with its headers, text and HTML, authenticated', async () => {
    const message = resetEmail(emails, 'tok-1_A');
    expect(await delivery.deliver(`test:${randomUUID()}`, organizationId, message)).toBe('sent');
    const [mail] = sentTo(message.to);
    expect(mail).toMatchObject({
      recipients: [message.to],
      to: [message.to],
      from: 'no-reply@acme.test',
      subject: '<script>Acme</script>: reset your password',
      user: sink.user,
    });
    expect(mail.headers.get('message-id')).toEqual(expect.stringMatching(/^<.+@.+>$/));
    expect(mail.text).toContain(`${APP_URL}/reset-password?token=tok-1_A`);
    expect(mail.html).toContain(`href="${APP_URL}/reset-password?token=tok-1_A"`);
    expect(mail.html).toContain('&lt;script&gt;Acme&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
  });

  it('sends once per idempotency key and records the key with its organization', async () => {
    const key = `outbox:${randomUUID()}`;
    const message = resetEmail(emails);
    expect(await delivery.deliver(key, organizationId, message)).toBe('sent');
    expect(await delivery.deliver(key, organizationId, message)).toBe('already-sent');
    expect(await delivery.deliver(key, organizationId, resetEmail(emails))).toBe('already-sent');
    expect(sentTo(message.to)).toHaveLength(1);
    const record = await records().findOneByOrFail({ idempotencyKey: key });
    expect(record.organizationId).toBe(organizationId);
    expect(record.messageId).toBe(sentTo(message.to)[0].headers.get('message-id'));
    expect(await delivery.deliver(`outbox:${randomUUID()}`, organizationId, message)).toBe('sent');
    expect(sentTo(message.to)).toHaveLength(2);
  });

  it('throws while the SMTP server is down and records nothing; the retry sends once', async () => {
    const key = `outbox:${randomUUID()}`;
    const message = resetEmail(emails);
    await sink.stop();
    try {
      await expect(delivery.deliver(key, organizationId, message)).rejects.toBeInstanceOf(
        MailTransportError,
      );
    } finally {
      await sink.start();
    }
    expect(await records().existsBy({ idempotencyKey: key })).toBe(false);
    expect(await delivery.deliver(key, organizationId, message)).toBe('sent');
    expect(await delivery.deliver(key, organizationId, message)).toBe('already-sent');
    expect(sentTo(message.to)).toHaveLength(1);
  });

  it('throws when the server refuses the message, temporarily or for good', async () => {
    for (const code of [451, 550]) {
      sink.behave({ refuseWith: code });
      const key = `outbox:${randomUUID()}`;
      const error: unknown = await delivery
        .deliver(key, organizationId, resetEmail(emails))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MailTransportError);
      expect((error as MailTransportError).responseCode).toBe(code);
      expect(await records().existsBy({ idempotencyKey: key })).toBe(false);
    }
  });

  it('waits for a slow server', async () => {
    sink.behave({ delayMs: 500 });
    const message = resetEmail(emails);
    expect(await delivery.deliver(`outbox:${randomUUID()}`, organizationId, message)).toBe('sent');
    expect(sentTo(message.to)).toHaveLength(1);
  });

  it('throws on wrong credentials', async () => {
    const mailer = new SmtpMailer(
      `smtp://${sink.user}:wrong@127.0.0.1:${sink.port}`,
      'no-reply@acme.test',
    );
    const error: unknown = await mailer.send(resetEmail(emails)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailTransportError);
    expect((error as MailTransportError).responseCode).toBe(535);
    await mailer.close();
  });

  it('refuses a delivery without an idempotency key or an organization', async () => {
    await expect(delivery.deliver('', organizationId, resetEmail(emails))).rejects.toThrow(
      /idempotency key/,
    );
    await expect(
      delivery.deliver(`outbox:${randomUUID()}`, '', resetEmail(emails)),
    ).rejects.toThrow(/organization/);
  });

  it('never writes a token into a log line in SMTP mode, even when sending fails', async () => {
    const token = `secret-${randomUUID()}`;
    await delivery.deliver(`outbox:${randomUUID()}`, organizationId, resetEmail(emails, token));
    sink.behave({ refuseWith: 550 });
    await delivery
      .deliver(`outbox:${randomUUID()}`, organizationId, resetEmail(emails, token))
      .catch(() => undefined);
    expect(t.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(t.logs)).not.toContain(token);
  });
});

describe('mail delivery without SMTP_URL (the embedded default)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    t = await startTestApp({ env: { MAIL_OUTBOX_DIR: dir, APP_URL } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each message once as a parseable .eml file and logs its links', async () => {
    expect(t.app.get<Mailer>(MAILER).kind).toBe('file');
    const delivery = t.app.get(MailDelivery);
    const message = resetEmail(t.app.get(AccountEmails), 'file-token');
    const key = `outbox:${randomUUID()}`;
    expect(await delivery.deliver(key, randomUUID(), message)).toBe('sent');
    expect(await delivery.deliver(key, randomUUID(), message)).toBe('already-sent');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const parsed = await simpleParser(readFileSync(join(dir, files[0])));
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text).toContain(`${APP_URL}/reset-password?token=file-token`);
    expect(parsed.html).toContain('&lt;script&gt;');
    const logged = t.logs.filter((line) => Array.isArray(line.links));
    expect(logged.map((line) => line.links)).toEqual([
      [`${APP_URL}/reset-password?token=file-token`],
    ]);
  });

  it('warns at boot that this mode logs links', () => {
    expect(
      t.logs.some((line) => line.level === 40 && /SMTP_URL is unset/.test(line.msg ?? '')),
    ).toBe(true);
  });
});
