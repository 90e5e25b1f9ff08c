import { DataSource } from 'typeorm';
import { AuditAction } from '../../src/modules/audit/audit-actions';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { type AuthData, me, request } from '../support/api-client';
import { enrol, mfaLogIn, passwordStep, startSetup } from '../support/mfa';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import {
  type Account,
  createSuperuser,
  createTenant,
  createUser,
  type Tenant,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

const RESTRICTED = { status: 403, error: 'MFA_ENROLMENT_REQUIRED' };

describe('the organization policy and the administrator’s reset', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ env: { SMTP_URL: sink.url, OUTBOX_POLL_INTERVAL: '200ms' } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const setPolicy = (actor: Account, mfaRequired: string) =>
    request<{ mfaRequired: string }>(t, 'PATCH', '/api/organizations/current', {
      token: actor.token,
      body: { mfaRequired },
    });
  const products = async (account: Account) => {
    const result = await request(t, 'GET', '/api/products', { token: account.token });
    return { status: result.status, error: result.bodyOrNull?.error };
  };

  it('is off by default and set by holders of organization.update only, audited', async () => {
    const tenant = await createTenant(t, 'policy');
    const current = await request<{ mfaRequired: string }>(t, 'GET', '/api/organizations/current', {
      token: tenant.owner.token,
    });
    expect(current.body.data.mfaRequired).toBe('off');
    const staff = await createUser(t, tenant, ['staff']);
    expect((await setPolicy(staff, 'everyone')).status).toBe(403);
    expect((await setPolicy(tenant.owner, 'sometimes')).status).toBe(400);
    const set = await setPolicy(tenant.owner, 'admins');
    expect(set.status).toBe(200);
    expect(set.body.data.mfaRequired).toBe('admins');
    const [row] = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({ where: { action: AuditAction.ORGANIZATION_UPDATED, organizationId: tenant.id } });
    expect(row.before).toMatchObject({ mfaRequired: 'off' });
    expect(row.after).toMatchObject({ mfaRequired: 'admins' });
  });

  it('restricts users already signed in from their next request to the enrolment, until they enrol', async () => {
    const tenant = await createTenant(t, 'policy');
    const client = await createUser(t, tenant, ['client']);
    expect(await products(client)).toEqual({ status: 200, error: undefined });
    // The admin turns the policy on with a session of their own that has a second factor.
    await enrol(t, tenant.owner);
    expect((await setPolicy(tenant.owner, 'everyone')).status).toBe(200);

    expect(await products(client)).toEqual(RESTRICTED);
    const profile = await request(t, 'GET', '/api/users/me', { token: client.token });
    expect(profile.status).toBe(403);
    expect(profile.body.error).toBe('MFA_ENROLMENT_REQUIRED');
    // What the enrolment needs still answers.
    expect((await me(t, client.token)).status).toBe(200);
    const status = await request<{ required: boolean; enabled: boolean }>(
      t,
      'GET',
      '/api/auth/mfa',
      { token: client.token },
    );
    expect(status.body.data).toMatchObject({ required: true, enabled: false });
    // A new sign-in is restricted the same way.
    const fresh = await passwordStep(t, client);
    const freshToken = (fresh.body.data as unknown as AuthData).tokens.accessToken;
    expect(await products({ ...client, token: freshToken })).toEqual(RESTRICTED);
    await enrol(t, client);
    expect(await products(client)).toEqual({ status: 200, error: undefined });
    // The admin, enrolled, was never restricted.
    expect(await products(tenant.owner)).toEqual({ status: 200, error: undefined });
  });

  it('lets a restricted user sign out', async () => {
    const tenant = await createTenant(t, 'policy');
    const client = await createUser(t, tenant, ['client']);
    await enrol(t, tenant.owner);
    await setPolicy(tenant.owner, 'everyone');
    const logout = await request(t, 'POST', '/api/auth/logout', { token: client.token });
    expect(logout.status).toBe(200);
  });

  it('covers holders of the admin role only with `admins`', async () => {
    const tenant = await createTenant(t, 'policy');
    const admin = await createUser(t, tenant, ['admin']);
    const staff = await createUser(t, tenant, ['staff']);
    expect((await setPolicy(tenant.owner, 'admins')).status).toBe(200);
    expect(await products(admin)).toEqual(RESTRICTED);
    expect(await products(tenant.owner)).toEqual(RESTRICTED);
    expect(await products(staff)).toEqual({ status: 200, error: undefined });
    // Setting the policy back is itself a restricted action for an admin without a factor.
    expect((await setPolicy(tenant.owner, 'off')).status).toBe(403);
  });

  describe('admin reset', () => {
    let tenant: Tenant;

    beforeAll(async () => {
      tenant = await createTenant(t, 'reset');
    });

    const reset = (actor: Account, userId: string) =>
      request<{ sessionsEnded: number }>(t, 'DELETE', `/api/users/${userId}/mfa`, {
        token: actor.token,
      });

    it('turns a user’s second factor off: audited, every session ends, the user is mailed', async () => {
      const user = await createUser(t, tenant, ['staff']);
      const { secret } = await enrol(t, user);
      const session = await mfaLogIn(t, user, secret);
      const result = await reset(tenant.owner, user.id);
      expect(result.status).toBe(200);
      expect(result.body.data.sessionsEnded).toBe(2);
      expect((await me(t, user.token)).status).toBe(401);
      expect((await me(t, session.tokens.accessToken)).status).toBe(401);
      const listed = await request<{ mfaEnabled: boolean }>(t, 'GET', `/api/users/${user.id}`, {
        token: tenant.owner.token,
      });
      expect(listed.body.data.mfaEnabled).toBe(false);
      expect((await passwordStep(t, user)).text).toContain('accessToken');
      const rows = await t.app
        .get(DataSource)
        .getRepository(AuditLog)
        .find({ where: { action: AuditAction.MFA_RESET, entityId: user.id } });
      expect(rows).toMatchObject([{ organizationId: tenant.id, userId: tenant.owner.id }]);
      const mail = await sink.waitFor((message) => message.to.includes(user.email));
      expect(mail.text).toContain('An administrator reset the two-factor authentication');
    });

    it('refuses a user without one, one’s own, and callers without users.update', async () => {
      const user = await createUser(t, tenant, ['client']);
      expect((await reset(tenant.owner, user.id)).status).toBe(409);
      // A setup alone is something to reset too: it is cleared.
      await startSetup(t, user);
      expect((await reset(tenant.owner, user.id)).status).toBe(200);
      expect((await reset(tenant.owner, tenant.owner.id)).status).toBe(400);
      const staff = await createUser(t, tenant, ['staff']);
      const enrolled = await createUser(t, tenant, ['client']);
      await enrol(t, enrolled);
      expect((await reset(staff, enrolled.id)).status).toBe(403);
    });

    it('cannot reach a user of another organization', async () => {
      const other = await createTenant(t, 'other');
      const stranger = await createUser(t, other, ['client']);
      await enrol(t, stranger);
      const result = await reset(tenant.owner, stranger.id);
      expect(result.status).toBe(404);
      const status = await request<{ enabled: boolean }>(t, 'GET', '/api/auth/mfa', {
        token: stranger.token,
      });
      expect(status.body.data.enabled).toBe(true);
    });
  });
});

describe('SUPERUSER_MFA_REQUIRED', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { SUPERUSER_MFA_REQUIRED: 'true' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('restricts a superuser without a second factor to the enrolment', async () => {
    const superuser = await createSuperuser(t);
    const jobs = () => request(t, 'GET', '/api/platform/jobs/failed', { token: superuser.token });
    const refused = await jobs();
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('MFA_ENROLMENT_REQUIRED');
    const { secret } = await enrol(t, superuser);
    expect((await jobs()).status).toBe(200);
    const signedIn = await mfaLogIn(t, superuser, secret);
    const next = await request(t, 'GET', '/api/organizations', {
      token: signedIn.tokens.accessToken,
    });
    expect(next.status).toBe(200);
  });
});
