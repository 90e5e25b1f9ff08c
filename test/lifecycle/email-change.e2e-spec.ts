import { DataSource } from 'typeorm';
import { KV_STORE, type KeyValueStore } from '../../src/kv/kv-store';
import { AccountTokens } from '../../src/modules/account-tokens/account-tokens.service';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { AccountMailKeys } from '../../src/modules/auth/account-mail-limit';
import { canonicalEmail } from '../../src/security/email';
import { SystemScope } from '../../src/tenancy/system-scope.service';
import {
  login,
  me,
  PASSWORD,
  register,
  type Registered,
  request,
  tokensOf,
} from '../support/api-client';
import { unique } from '../support/backend';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { linkToken } from '../support/mailbox';
import { type ReceivedMail, startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { sleep, waitFor } from '../support/time';

const APP_URL = 'https://app.example.test';

/** Runs on both backends, with mail through a real SMTP server. */
describe('email change', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      env: { ...JOB_TEST_ENV, ...WALK_ENV, APP_URL, SMTP_URL: sink.url },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const newAddress = () => `moved-${unique()}@example.test`;
  const mailTo = (to: string, subject: RegExp) =>
    sink.waitFor((mail) => mail.recipients.includes(to) && subject.test(mail.subject));
  const mailsTo = (to: string) => sink.messages.filter((mail) => mail.recipients.includes(to));
  const change = (token: string, newEmail: string, password = PASSWORD) =>
    request<{ otherSessionsEnded: number }>(t, 'POST', '/api/users/me/email', {
      token,
      body: { newEmail, password },
    });
  const follow = (mail: ReceivedMail, owner: Registered) =>
    request<{ email: string; emailChanged: boolean; emailVerifiedAt: string }>(
      t,
      'POST',
      '/api/auth/email/verify',
      {
        body: { token: linkToken(mail, 'verify-email', APP_URL) },
        tenant: owner.organization.subdomain,
      },
    );
  const minutePasses = (owner: Registered) =>
    t.app
      .get<KeyValueStore>(KV_STORE)
      .delete(AccountMailKeys.minute('email-change', owner.user.id));

  it('mails the link to the new address and a notice to the old one, ends the other sessions; the link applies the change', async () => {
    const owner = await register(t);
    const current = owner.tokens.accessToken;
    const otherSession = tokensOf(
      await login(t, owner.organization.subdomain, owner.email, owner.password),
    ).accessToken;
    const reset = await t.app
      .get(SystemScope)
      .asTenant(owner.organization, 'test', () =>
        t.app
          .get(AccountTokens)
          .issue(
            'reset-password',
            { userId: owner.user.id, email: canonicalEmail(owner.email) },
            600,
          ),
      );
    const newEmail = newAddress();

    const requested = await change(current, newEmail);
    expect([requested.status, requested.body.data]).toEqual([202, { otherSessionsEnded: 1 }]);
    expect((await me(t, otherSession)).status).toBe(401);
    expect((await me(t, current)).body.data.user.email).toBe(owner.email);

    const notice = await mailTo(owner.email, /is being changed$/);
    expect(notice.text).toContain(newEmail);
    const link = await mailTo(newEmail, /confirm your email address$/);
    expect(link.text).toContain(`confirm ${newEmail} as the new email address`);

    const applied = await follow(link, owner);
    expect([applied.status, applied.body.data.email, applied.body.data.emailChanged]).toEqual([
      200,
      newEmail,
      true,
    ]);
    const changed = await mailTo(owner.email, /was changed$/);
    expect(changed.text).toContain(newEmail);
    expect(mailsTo(newEmail)).toHaveLength(1);

    const profile = (await me(t, current)).json<{
      user: { email: string; emailVerifiedAt: string };
    }>().data.user;
    expect(profile).toMatchObject({
      email: newEmail,
      emailVerifiedAt: applied.body.data.emailVerifiedAt,
    });
    const tenant = owner.organization.subdomain;
    expect((await login(t, tenant, newEmail, owner.password)).status).toBe(200);
    expect((await login(t, tenant, owner.email, owner.password)).status).toBe(401);

    // The reset link went to the old address: it dies with the change. The link works once.
    const resetNow = await t.app
      .get(SystemScope)
      .asTenant(owner.organization, 'test', () =>
        t.app.get(AccountTokens).consume('reset-password', reset.token),
      )
      .catch((error: unknown) => error);
    expect(resetNow).toMatchObject({ code: 'TOKEN_USED' });
    const again = await follow(link, owner);
    expect([again.status, again.body.error]).toEqual([410, 'TOKEN_USED']);

    const rows = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .findBy({ organizationId: owner.organization.id });
    expect(rows.find((row) => row.action === 'user.email.change_requested')).toMatchObject({
      userId: owner.user.id,
      entityId: owner.user.id,
      metadata: { newEmail },
    });
    expect(rows.find((row) => row.action === 'user.email.changed')).toMatchObject({
      userId: owner.user.id,
      before: { email: owner.email },
      after: { email: newEmail },
    });
    const serialized = JSON.stringify(rows);
    for (const mail of [link])
      expect(serialized).not.toContain(linkToken(mail, 'verify-email', APP_URL));
  });

  it('refuses a wrong password (400, nothing ends, nothing is mailed), the current address, and more than one request a minute', async () => {
    const owner = await register(t);
    const otherSession = tokensOf(
      await login(t, owner.organization.subdomain, owner.email, owner.password),
    ).accessToken;
    const target = newAddress();
    const wrong = await change(owner.tokens.accessToken, target, 'not-the-password');
    expect([wrong.status, wrong.body.error]).toEqual([400, 'INVALID_CREDENTIALS']);
    const same = await change(owner.tokens.accessToken, owner.email.toUpperCase());
    expect([same.status, same.body.error]).toEqual([400, 'VALIDATION_ERROR']);
    expect((await me(t, otherSession)).status).toBe(200);
    await sleep(500);
    expect(mailsTo(owner.email).filter((mail) => /is being changed$/.test(mail.subject))).toEqual(
      [],
    );

    expect((await change(owner.tokens.accessToken, target)).status).toBe(202);
    const soon = await change(owner.tokens.accessToken, newAddress());
    expect([soon.status, soon.body.error]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(Number(soon.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('answers alike for an address another account holds; only the old address hears of it', async () => {
    const owner = await register(t);
    const colleague = newAddress();
    const created = await request(t, 'POST', '/api/users', {
      token: owner.tokens.accessToken,
      body: {
        email: colleague,
        password: PASSWORD,
        firstName: 'Col',
        lastName: 'League',
        roles: ['staff'],
      },
    });
    expect(created.status).toBe(201);
    const taken = await change(owner.tokens.accessToken, colleague);
    await minutePasses(owner);
    const free = await change(owner.tokens.accessToken, newAddress());
    expect([taken.status, taken.text.replace(/"requestId":"[^"]*"/, '')]).toEqual([
      free.status,
      free.text.replace(/"requestId":"[^"]*"/, ''),
    ]);
    await waitFor(
      () =>
        mailsTo(owner.email).filter((mail) => /is being changed$/.test(mail.subject)).length === 2,
    );
    await sleep(500);
    expect(mailsTo(colleague)).toEqual([]);
  });

  it('re-checks the address when the link is followed: 409 when another account took it meanwhile', async () => {
    const owner = await register(t);
    const target = newAddress();
    expect((await change(owner.tokens.accessToken, target)).status).toBe(202);
    const link = await mailTo(target, /confirm your email address$/);
    const created = await request(t, 'POST', '/api/users', {
      token: owner.tokens.accessToken,
      body: {
        email: target,
        password: PASSWORD,
        firstName: 'Quick',
        lastName: 'Er',
        roles: ['staff'],
      },
    });
    expect(created.status).toBe(201);
    const refused = await follow(link, owner);
    expect([refused.status, refused.body.error]).toEqual([409, 'CONFLICT']);
    expect((await me(t, owner.tokens.accessToken)).body.data.user.email).toBe(owner.email);
  });

  it('a newer request replaces the earlier link', async () => {
    const owner = await register(t);
    const first = newAddress();
    expect((await change(owner.tokens.accessToken, first)).status).toBe(202);
    const firstLink = await mailTo(first, /confirm your email address$/);
    await minutePasses(owner);
    const second = newAddress();
    expect((await change(owner.tokens.accessToken, second)).status).toBe(202);
    const secondLink = await mailTo(second, /confirm your email address$/);
    const stale = await follow(firstLink, owner);
    expect([stale.status, stale.body.error]).toEqual([410, 'TOKEN_USED']);
    expect((await follow(secondLink, owner)).body.data.email).toBe(second);
  });
});
