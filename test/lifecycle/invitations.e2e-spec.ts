import { DataSource } from 'typeorm';
import { ErrorCode } from '../../src/http/error-codes';
import { AccountTokens } from '../../src/modules/account-tokens/account-tokens.service';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { canonicalEmail } from '../../src/security/email';
import { SystemScope } from '../../src/tenancy/system-scope.service';
import {
  type AuthData,
  login,
  me,
  PASSWORD,
  refreshCookieOf,
  register,
  type Registered,
  request,
} from '../support/api-client';
import {
  createInvitation,
  type InvitationData,
  invitationToken,
  invite,
  inviteeEmail,
} from '../support/invitations';
import { type Inbox, waitForMails } from '../support/mailbox';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';

const APP_URL = 'https://app.example.test';
const ACCEPT = { firstName: 'Grace', lastName: 'Hopper', password: PASSWORD };

/** Invitations end to end, the mail received by a real SMTP server; runs on both backends. */
describe('invitations: invite, receive the mail, preview, accept', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let inbox: Inbox;
  let acme: Registered;
  let globex: Registered;
  /** Every token a test received, to prove none reached a log line or an audit row. */
  const seen: string[] = [];

  const preview = (token: string, tenant: string = acme.organization.subdomain) =>
    request<{ organization: { name: string }; email: string; expiresAt: string }>(
      t,
      'POST',
      '/api/invitations/preview',
      { body: { token }, tenant },
    );
  const accept = (token: string, extra: Record<string, unknown> = {}, tenant?: string) =>
    request<AuthData>(t, 'POST', '/api/invitations/accept', {
      body: { token, ...ACCEPT, ...extra },
      tenant: tenant ?? acme.organization.subdomain,
    });
  const tokenFor = async (email: string, nth = 1) => {
    const token = await invitationToken(inbox, email, nth);
    seen.push(token);
    return token;
  };
  const refusal = (response: { status: number; body: { error?: string } }) =>
    `${response.status} ${response.body.error}`;

  beforeAll(async () => {
    sink = await startSmtpSink();
    inbox = { sink };
    t = await startTestApp({
      env: { ...JOB_TEST_ENV, SMTP_URL: sink.url, APP_URL, AUTH_IP_RATE_LIMIT: '10000' },
    });
    acme = await register(t);
    globex = await register(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('an admin invites; the mail arrives; the invitee previews, accepts, and is signed in with the roles', async () => {
    const email = inviteeEmail('grace');
    const created = await invite(t, acme.tokens.accessToken, email, ['staff']);
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ email, roles: ['staff'], status: 'pending' });
    const expiresAt = Date.parse(created.body.data.expiresAt);
    expect(Math.abs(expiresAt - (Date.now() + 7 * 24 * 3600_000))).toBeLessThan(60_000);

    const [mail] = await waitForMails(inbox, email);
    expect(mail.subject).toBe(`You are invited to join ${acme.organization.name}`);
    expect(mail.text).toContain(`${APP_URL}/accept-invitation?token=`);
    expect(mail.text).toContain('Ada Lovelace invited you');
    const token = await tokenFor(email);

    for (let look = 0; look < 2; look += 1) {
      const shown = await preview(token);
      expect([shown.status, shown.body.data]).toEqual([
        200,
        {
          organization: { name: acme.organization.name },
          email,
          expiresAt: created.body.data.expiresAt,
        },
      ]);
    }

    const accepted = await accept(token);
    expect(accepted.status).toBe(201);
    expect(accepted.body.data.user).toMatchObject({ email, roles: ['staff'] });
    expect(accepted.body.data.organization.id).toBe(acme.organization.id);
    expect(refreshCookieOf(accepted)).toEqual(expect.any(String));
    expect(accepted.body.data.tokens.refreshToken).toBeUndefined();

    const profile = await me(t, accepted.body.data.tokens.accessToken);
    expect(profile.status).toBe(200);
    const user = profile.body.data.user as AuthData['user'] & { emailVerifiedAt: string | null };
    expect(user).toMatchObject({ email, roles: ['staff'], organizationId: acme.organization.id });
    expect(Date.parse(user.emailVerifiedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(user.permissions).toContain('users.read');
    expect(user.permissions).not.toContain('users.create');
    const again = await login(t, acme.organization.subdomain, email, PASSWORD);
    expect(again.status).toBe(200);

    const listed = await request<InvitationData[]>(t, 'GET', '/api/invitations?status=accepted', {
      token: acme.tokens.accessToken,
    });
    expect(listed.body.data.map((row) => [row.email, row.status])).toEqual([[email, 'accepted']]);
  });

  it('returns the refresh token in the body when asked, as login does', async () => {
    const email = inviteeEmail();
    await createInvitation(t, acme.tokens.accessToken, email);
    const accepted = await accept(await tokenFor(email), { refreshTokenInBody: true });
    expect(accepted.status).toBe(201);
    expect(accepted.body.data.tokens.refreshToken).toEqual(expect.any(String));
    expect(refreshCookieOf(accepted)).toBeUndefined();
  });

  it('a used link is gone: 410 TOKEN_USED for preview and accept', async () => {
    const email = inviteeEmail();
    await createInvitation(t, acme.tokens.accessToken, email);
    const token = await tokenFor(email);
    expect((await accept(token)).status).toBe(201);
    expect(refusal(await accept(token))).toBe(`410 ${ErrorCode.TOKEN_USED}`);
    expect(refusal(await preview(token))).toBe(`410 ${ErrorCode.TOKEN_USED}`);
  });

  it('resend mails a new link with a later expiry and kills the old one', async () => {
    const email = inviteeEmail();
    const id = await createInvitation(t, acme.tokens.accessToken, email);
    const first = await tokenFor(email);
    const before = (await preview(first)).body.data.expiresAt;
    const resent = await request<InvitationData>(t, 'POST', `/api/invitations/${id}/resend`, {
      token: acme.tokens.accessToken,
    });
    expect([resent.status, resent.body.data.status]).toEqual([200, 'pending']);
    // Dead as soon as the resend answers, before the new mail is even made.
    expect(refusal(await preview(first))).toBe(`410 ${ErrorCode.TOKEN_USED}`);
    expect(Date.parse(resent.body.data.expiresAt)).toBeGreaterThan(Date.parse(before));
    const second = await tokenFor(email, 2);
    expect(second).not.toBe(first);
    expect(refusal(await preview(first))).toBe(`410 ${ErrorCode.TOKEN_USED}`);
    expect(refusal(await accept(first))).toBe(`410 ${ErrorCode.TOKEN_USED}`);
    expect((await preview(second)).body.data.expiresAt).toBe(resent.body.data.expiresAt);
    expect((await accept(second)).status).toBe(201);
    expect(await waitForMails(inbox, email)).toHaveLength(2);
  });

  it('revoke kills the link: 410 INVITATION_REVOKED; a revoked invitation cannot be resent', async () => {
    const email = inviteeEmail();
    const id = await createInvitation(t, acme.tokens.accessToken, email);
    const token = await tokenFor(email);
    const revoked = await request<InvitationData>(t, 'DELETE', `/api/invitations/${id}`, {
      token: acme.tokens.accessToken,
    });
    expect([revoked.status, revoked.body.data.status]).toEqual([200, 'revoked']);
    expect(refusal(await preview(token))).toBe(`410 ${ErrorCode.INVITATION_REVOKED}`);
    expect(refusal(await accept(token))).toBe(`410 ${ErrorCode.INVITATION_REVOKED}`);
    for (const [method, path] of [
      ['POST', `/api/invitations/${id}/resend`],
      ['DELETE', `/api/invitations/${id}`],
    ])
      expect(refusal(await request(t, method, path, { token: acme.tokens.accessToken }))).toBe(
        `409 ${ErrorCode.CONFLICT}`,
      );
  });

  it('refuses the token in another organization, without a tenant, and for another purpose', async () => {
    const email = inviteeEmail();
    await createInvitation(t, acme.tokens.accessToken, email);
    const token = await tokenFor(email);
    for (const tenant of [globex.organization.subdomain, globex.organization.id]) {
      expect(refusal(await preview(token, tenant))).toBe(`400 ${ErrorCode.TOKEN_INVALID}`);
      expect(refusal(await accept(token, {}, tenant))).toBe(`400 ${ErrorCode.TOKEN_INVALID}`);
    }
    const anonymous = await request(t, 'POST', '/api/invitations/accept', {
      body: { token, ...ACCEPT },
    });
    expect(refusal(anonymous)).toBe(`400 ${ErrorCode.TENANT_REQUIRED}`);

    const verify = await t.app
      .get(SystemScope)
      .asTenant(acme.organization, 'test', () =>
        t.app
          .get(AccountTokens)
          .issue('verify-email', { userId: acme.user.id, email: canonicalEmail(acme.email) }, 600),
      );
    expect(refusal(await preview(verify.token))).toBe(`400 ${ErrorCode.TOKEN_INVALID}`);
    expect(refusal(await accept(verify.token))).toBe(`400 ${ErrorCode.TOKEN_INVALID}`);

    expect((await accept(token)).status).toBe(201);
    const inGlobex = await login(t, globex.organization.subdomain, email, PASSWORD);
    expect(inGlobex.status).toBe(401);
  });

  it('an accept body naming roles or an organization, or a weak password, is refused and the link still works', async () => {
    const email = inviteeEmail();
    await createInvitation(t, acme.tokens.accessToken, email, ['client']);
    const token = await tokenFor(email);
    for (const extra of [
      { roles: ['admin'] },
      { organizationId: globex.organization.id },
      { email: 'someone-else@example.test' },
      { password: 'password' },
    ])
      expect(refusal(await accept(token, extra))).toBe(`400 ${ErrorCode.VALIDATION_ERROR}`);
    const accepted = await accept(token);
    expect(accepted.status).toBe(201);
    expect(accepted.body.data.user.roles).toEqual(['client']);
  });

  it('of concurrent accepts of one link exactly one creates the user', async () => {
    const email = inviteeEmail();
    await createInvitation(t, acme.tokens.accessToken, email);
    const token = await tokenFor(email);
    const results = await Promise.all(Array.from({ length: 6 }, () => accept(token)));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([201, 410, 410, 410, 410, 410]);
    const users = await request<{ email: string }[]>(
      t,
      'GET',
      `/api/users?search=${encodeURIComponent(email)}`,
      { token: acme.tokens.accessToken },
    );
    expect(users.body.data.map((user) => user.email)).toEqual([email]);
  });

  it('writes invitation.created, resent, revoked and accepted audit rows, with no token in them or in any log line', async () => {
    const email = inviteeEmail();
    const id = await createInvitation(t, acme.tokens.accessToken, email);
    await tokenFor(email);
    await request(t, 'POST', `/api/invitations/${id}/resend`, { token: acme.tokens.accessToken });
    const accepted = await accept(await tokenFor(email, 2));
    const other = await createInvitation(t, acme.tokens.accessToken);
    await request(t, 'DELETE', `/api/invitations/${other}`, { token: acme.tokens.accessToken });

    const rows = await t.app.get(DataSource).getRepository(AuditLog).find();
    const of = (action: string, entityId: string) =>
      rows.filter((row) => row.action === action && row.entityId === entityId);
    expect(of('invitation.created', id)).toEqual([
      expect.objectContaining({ organizationId: acme.organization.id, userId: acme.user.id }),
    ]);
    expect(of('invitation.resent', id)).toHaveLength(1);
    expect(of('invitation.accepted', id)).toEqual([
      expect.objectContaining({
        organizationId: acme.organization.id,
        userId: accepted.body.data.user.id,
        entityType: 'invitation',
      }),
    ]);
    expect(of('invitation.revoked', other)).toHaveLength(1);
    expect(seen.length).toBeGreaterThan(8);
    const written = JSON.stringify(rows) + JSON.stringify(t.logs);
    expect(seen.filter((token) => written.includes(token))).toEqual([]);
  });
});
