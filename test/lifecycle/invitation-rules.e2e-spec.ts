import { ErrorCode } from '../../src/http/error-codes';
import {
  type AuthData,
  me,
  PASSWORD,
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
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { createRole, createTenant, createUser } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { sleep } from '../support/time';

const ACCEPT = { firstName: 'Grace', lastName: 'Hopper', password: PASSWORD };
const refusal = (response: { status: number; body: { error?: string } }) =>
  `${response.status} ${response.body.error}`;

/**
 * The rules around invitations, on the embedded default's mail: SMTP_URL unset, each message
 * an .eml file that the tests read and follow. Runs on both backends. The nested suites boot
 * apps of their own.
 */
describe('invitation rules, mail as .eml files', () => {
  let t: TestApp;
  let inbox: Inbox;
  let acme: Registered;

  const preview = (token: string, app: TestApp = t, tenant = acme.organization.subdomain) =>
    request(app, 'POST', '/api/invitations/preview', { body: { token }, tenant });
  const accept = (token: string, app: TestApp = t, tenant = acme.organization.subdomain) =>
    request<AuthData>(app, 'POST', '/api/invitations/accept', {
      body: { token, ...ACCEPT },
      tenant,
    });
  const list = (query: string, token = acme.tokens.accessToken) =>
    request<InvitationData[]>(t, 'GET', `/api/invitations${query}`, { token });

  beforeAll(async () => {
    t = await startTestApp({ env: { ...JOB_TEST_ENV, AUTH_IP_RATE_LIMIT: '10000' } });
    inbox = { outboxDir: t.config.mail.outboxDir };
    acme = await register(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the invitation arrives as an .eml file whose link signs the invitee in', async () => {
    const email = inviteeEmail();
    await createInvitation(t, acme.tokens.accessToken, email, ['client']);
    const [mail] = await waitForMails(inbox, email);
    expect(mail.subject).toBe(`You are invited to join ${acme.organization.name}`);
    const accepted = await accept(await invitationToken(inbox, email));
    expect(accepted.status).toBe(201);
    const profile = await me(t, accepted.body.data.tokens.accessToken);
    expect(profile.body.data.user).toMatchObject({ email, roles: ['client'] });
  });

  it('an invitation never grants a permission the inviter lacks, as user creation does', async () => {
    const tenant = await createTenant(t);
    const recruiter = await createRole(t, tenant, ['users.create', 'products.read']);
    const inviter = await createUser(t, tenant, [recruiter.name]);
    for (const roles of [['admin'], ['staff'], [recruiter.name, 'staff']])
      expect(refusal(await invite(t, inviter.token, inviteeEmail(), roles))).toBe(
        `403 ${ErrorCode.FORBIDDEN}`,
      );
    expect(
      (await invite(t, inviter.token, inviteeEmail(), ['client', recruiter.name])).status,
    ).toBe(201);
    expect(refusal(await invite(t, inviter.token, inviteeEmail(), ['no-such-role']))).toBe(
      `400 ${ErrorCode.VALIDATION_ERROR}`,
    );
    // Nor does the inviter resend or revoke an invitation that grants more than they hold.
    const adminInvitation = await createInvitation(t, tenant.owner.token, inviteeEmail(), [
      'admin',
    ]);
    for (const [method, path] of [
      ['POST', `/api/invitations/${adminInvitation}/resend`],
      ['DELETE', `/api/invitations/${adminInvitation}`],
    ])
      expect(refusal(await request(t, method, path, { token: inviter.token }))).toBe(
        `403 ${ErrorCode.FORBIDDEN}`,
      );
  });

  it('409 for the email of a user of the organization, and for an address with a pending invitation', async () => {
    const taken = await invite(t, acme.tokens.accessToken, acme.email);
    expect(refusal(taken)).toBe(`409 ${ErrorCode.CONFLICT}`);
    const email = inviteeEmail();
    const id = await createInvitation(t, acme.tokens.accessToken, email);
    const twice = await invite(t, acme.tokens.accessToken, email);
    expect(refusal(twice)).toBe(`409 ${ErrorCode.CONFLICT}`);
    expect(twice.body.message).toMatch(/resend/);
    const racing = await Promise.all(
      Array.from({ length: 4 }, () => invite(t, acme.tokens.accessToken, inviteeEmail('race'))),
    );
    expect(racing.every((result) => result.status === 201)).toBe(true);
    const same = inviteeEmail('same');
    const sameRace = await Promise.all(
      Array.from({ length: 4 }, () => invite(t, acme.tokens.accessToken, same)),
    );
    expect(sameRace.map((result) => result.status).sort()).toEqual([201, 409, 409, 409]);
    // Once revoked, the address can be invited again; another organization could all along.
    await request(t, 'DELETE', `/api/invitations/${id}`, { token: acme.tokens.accessToken });
    expect((await invite(t, acme.tokens.accessToken, email)).status).toBe(201);
    const globex = await register(t);
    expect((await invite(t, globex.tokens.accessToken, email)).status).toBe(201);
  });

  it("lists the organization's invitations by status, paginated, never another organization's", async () => {
    const tenant = await createTenant(t);
    const pending = await createInvitation(t, tenant.owner.token);
    const revoked = await createInvitation(t, tenant.owner.token);
    await request(t, 'DELETE', `/api/invitations/${revoked}`, { token: tenant.owner.token });
    const all = await list('?limit=1&sort=createdAt&order=asc', tenant.owner.token);
    expect(all.body.pagination).toMatchObject({ total: 2, limit: 1, totalPages: 2 });
    expect(all.body.data.map((row) => row.id)).toEqual([pending]);
    const byStatus = async (status: string) =>
      (await list(`?status=${status}`, tenant.owner.token)).body.data.map((row) => row.id);
    expect(await byStatus('pending')).toEqual([pending]);
    expect(await byStatus('revoked')).toEqual([revoked]);
    expect(await byStatus('accepted')).toEqual([]);
    expect(await byStatus('expired')).toEqual([]);
    expect(refusal(await list('?status=gone', tenant.owner.token))).toBe(
      `400 ${ErrorCode.VALIDATION_ERROR}`,
    );
  });

  it('one invitation link is limited across clients (per invited address)', async () => {
    const email = inviteeEmail();
    await createInvitation(t, acme.tokens.accessToken, email);
    const token = await invitationToken(inbox, email);
    const answers = [];
    for (let attempt = 0; attempt < 11; attempt += 1) answers.push((await preview(token)).status);
    expect(answers).toEqual([...Array<number>(10).fill(200), 429]);
    expect((await accept(token)).status).toBe(429);
  });

  describe('with a short INVITATION_TTL', () => {
    let short: TestApp;
    let org: Registered;
    beforeAll(async () => {
      short = await startTestApp({ env: { ...JOB_TEST_ENV, INVITATION_TTL: '2s' } });
      org = await register(short);
    });
    afterAll(async () => {
      await short?.close();
    });

    it('an expired link is 410 TOKEN_EXPIRED, the invitation lists as expired, and resend revives it', async () => {
      const shortInbox: Inbox = { outboxDir: short.config.mail.outboxDir };
      const email = inviteeEmail();
      const id = await createInvitation(short, org.tokens.accessToken, email);
      const token = await invitationToken(shortInbox, email);
      await sleep(2100);
      const tenant = org.organization.subdomain;
      expect(refusal(await preview(token, short, tenant))).toBe(`410 ${ErrorCode.TOKEN_EXPIRED}`);
      expect(refusal(await accept(token, short, tenant))).toBe(`410 ${ErrorCode.TOKEN_EXPIRED}`);
      const expired = await request<InvitationData[]>(
        short,
        'GET',
        '/api/invitations?status=expired',
        {
          token: org.tokens.accessToken,
        },
      );
      expect(expired.body.data.map((row) => [row.id, row.status])).toEqual([[id, 'expired']]);
      await request(short, 'POST', `/api/invitations/${id}/resend`, {
        token: org.tokens.accessToken,
      });
      expect(
        (await accept(await invitationToken(shortInbox, email, 2), short, tenant)).status,
      ).toBe(201);
    });
  });

  describe('rate limits', () => {
    let limited: TestApp;
    let org: Registered;
    beforeAll(async () => {
      limited = await startTestApp({ env: { ...JOB_TEST_ENV, AUTH_IP_RATE_LIMIT: '3' } });
      org = await register(limited);
    });
    afterAll(async () => {
      await limited?.close();
    });

    it('preview and accept are limited per client, each on its own, with Retry-After', async () => {
      const tenant = org.organization.subdomain;
      for (const send of [preview, accept]) {
        const unknown = 'A'.repeat(43);
        const answers = [];
        for (let attempt = 0; attempt < 4; attempt += 1)
          answers.push(await send(unknown, limited, tenant));
        expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 429]);
        expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThan(0);
      }
    });
  });
});
