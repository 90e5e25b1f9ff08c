import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KV_STORE, type KeyValueStore } from '../../src/kv/kv-store';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { AuditAction } from '../../src/modules/audit/audit-actions';
import { type AuthData, me, refreshCookieOf, refreshInBody, request } from '../support/api-client';
import { type Enrolment, enrol, passwordStep, verify } from '../support/mfa';
import {
  type Account,
  createSuperuser,
  createTenant,
  createUser,
  type Tenant,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { decodeClaims } from '../support/tokens';
import { totp } from '../support/totp';

const challengeKey = (mfaToken: string) =>
  `system:auth:mfa-challenge:${createHash('sha256').update(mfaToken).digest('hex')}`;

describe('two-step sign-in with TOTP', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '100000', TRUST_PROXY: '127.0.0.1' } });
    tenant = await createTenant(t, 'mfa');
  });
  afterAll(async () => {
    await t.close();
  });

  /** A staff user of the tenant with TOTP on. */
  async function enrolled(): Promise<{ account: Account; enrolment: Enrolment }> {
    const account = await createUser(t, tenant, ['staff']);
    return { account, enrolment: await enrol(t, account) };
  }

  async function mfaToken(account: Account, extra: Record<string, unknown> = {}): Promise<string> {
    const step = await passwordStep(t, account, extra);
    expect(step.status).toBe(200);
    return step.body.data.mfaToken;
  }

  it('answers a correct password with a challenge: no tokens, no cookie', async () => {
    const { account } = await enrolled();
    const step = await passwordStep(t, account);
    expect(step.status).toBe(200);
    expect(step.body.data).toEqual({
      mfaRequired: true,
      mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
      methods: ['totp', 'recovery_code'],
    });
    expect(refreshCookieOf(step)).toBeUndefined();
    expect(step.text).not.toMatch(/accessToken|refreshToken/);
    // A wrong password still gets the plain 401, never a challenge.
    const wrong = await passwordStep(t, { ...account, password: 'Wrong-Pass-for-tests' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('mfaToken');
  });

  it('signs in with a code: tokens and cookie as login gives them, amr pwd + otp, the session records it', async () => {
    const { account, enrolment } = await enrolled();
    const result = await verify(t, {
      mfaToken: await mfaToken(account),
      code: totp(enrolment.secret),
    });
    expect(result.status).toBe(200);
    expect(result.body.data.user.id).toBe(account.id);
    expect(refreshCookieOf(result)).toEqual(expect.any(String));
    const { accessToken } = result.body.data.tokens;
    expect(decodeClaims(accessToken)).toMatchObject({ amr: ['pwd', 'otp'], sub: account.id });
    expect((await me(t, accessToken)).status).toBe(200);
    const sessions = await request<{ id: string; current: boolean; mfa: boolean }[]>(
      t,
      'GET',
      '/api/auth/sessions',
      { token: accessToken },
    );
    expect(sessions.body.data.find((session) => session.current)?.mfa).toBe(true);
    // The password-only session of the same user (from before enrolment) says so.
    expect(sessions.body.data.find((session) => !session.current)?.mfa).toBe(false);
    expect(decodeClaims(account.token).amr).toEqual(['pwd']);
  });

  it('keeps amr pwd + otp through a refresh, and honours refreshTokenInBody from the password step', async () => {
    const { account, enrolment } = await enrolled();
    const token = await mfaToken(account, { refreshTokenInBody: true });
    const result = await verify(t, { mfaToken: token, code: totp(enrolment.secret) });
    expect(refreshCookieOf(result)).toBeUndefined();
    const refreshToken = result.body.data.tokens.refreshToken ?? '';
    const refreshed = await refreshInBody(t, refreshToken);
    expect(refreshed.status).toBe(200);
    expect(decodeClaims(refreshed.body.data.tokens.accessToken).amr).toEqual(['pwd', 'otp']);
  });

  it('refuses a code used once already, even within its own 30 seconds', async () => {
    const { account, enrolment } = await enrolled();
    const code = totp(enrolment.secret);
    expect((await verify(t, { mfaToken: await mfaToken(account), code })).status).toBe(200);
    const again = await verify(t, { mfaToken: await mfaToken(account), code });
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('INVALID_CREDENTIALS');
    // The step before the one used is refused too; the next one is not.
    const previous = await verify(t, {
      mfaToken: await mfaToken(account),
      code: totp(enrolment.secret, -1),
    });
    expect(previous.status).toBe(401);
    const next = await verify(t, {
      mfaToken: await mfaToken(account),
      code: totp(enrolment.secret, 1),
    });
    expect(next.status).toBe(200);
  });

  it('accepts one step of drift and refuses two', async () => {
    const { account, enrolment } = await enrolled();
    const ahead = await verify(t, {
      mfaToken: await mfaToken(account),
      code: totp(enrolment.secret, 2),
    });
    expect(ahead.status).toBe(401);
    const drifted = await verify(t, {
      mfaToken: await mfaToken(account),
      code: totp(enrolment.secret, 1),
    });
    expect(drifted.status).toBe(200);
  });

  it('takes each recovery code once', async () => {
    const { account, enrolment } = await enrolled();
    const [first, second] = enrolment.recoveryCodes;
    const used = await verify(t, { mfaToken: await mfaToken(account), recoveryCode: first });
    expect(used.status).toBe(200);
    expect(decodeClaims(used.body.data.tokens.accessToken).amr).toEqual(['pwd', 'otp']);
    const reused = await verify(t, { mfaToken: await mfaToken(account), recoveryCode: first });
    expect(reused.status).toBe(401);
    // Typed in lower case without dashes, the next one still works.
    const typed = second.replace(/-/g, '').toLowerCase();
    expect(
      (await verify(t, { mfaToken: await mfaToken(account), recoveryCode: typed })).status,
    ).toBe(200);
    const status = await request<{ recoveryCodesRemaining: number }>(t, 'GET', '/api/auth/mfa', {
      token: used.body.data.tokens.accessToken,
    });
    expect(status.body.data.recoveryCodesRemaining).toBe(8);
  });

  it('uses the mfaToken up on success: it cannot open a second session', async () => {
    const { account, enrolment } = await enrolled();
    const token = await mfaToken(account);
    expect((await verify(t, { mfaToken: token, code: totp(enrolment.secret) })).status).toBe(200);
    const reused = await verify(t, { mfaToken: token, recoveryCode: enrolment.recoveryCodes[0] });
    expect(reused.status).toBe(401);
    expect(reused.body.error).toBe('UNAUTHORIZED');
  });

  it('keeps a challenge for 5 minutes only, and refuses it once expired', async () => {
    const { account, enrolment } = await enrolled();
    const token = await mfaToken(account);
    const kv = t.app.get<KeyValueStore>(KV_STORE);
    const ttl = await kv.ttl(challengeKey(token));
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
    await kv.expire(challengeKey(token), 0.05);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const late = await verify(t, { mfaToken: token, code: totp(enrolment.secret) });
    expect(late.status).toBe(401);
    expect(late.body.error).toBe('UNAUTHORIZED');
  });

  it('refuses the mfaToken as a bearer token and as a refresh token', async () => {
    const { account } = await enrolled();
    const token = await mfaToken(account);
    expect((await me(t, token)).status).toBe(401);
    expect(
      (await request(t, 'GET', '/api/products', { token, tenant: tenant.subdomain })).status,
    ).toBe(401);
    expect((await refreshInBody(t, token)).status).toBe(401);
    const cookie = await request(t, 'POST', '/api/auth/refresh', {
      refreshCookie: token,
      csrf: true,
    });
    expect(cookie.status).toBe(401);
  });

  it('counts wrong codes toward the lockout like wrong passwords, and audits every step', async () => {
    const { account, enrolment } = await enrolled();
    const client = { 'x-forwarded-for': '198.51.100.77' };
    const token = await mfaToken(account);
    const wrong = totp(enrolment.secret, 5);
    for (let attempt = 1; attempt <= 5; attempt += 1)
      expect((await verify(t, { mfaToken: token, code: wrong }, client)).status).toBe(401);
    const locked = await verify(t, { mfaToken: token, code: totp(enrolment.secret) }, client);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same counters as the password: this client's password logins are locked too.
    const login = await request(t, 'POST', '/api/auth/login', {
      body: { email: account.email, password: account.password },
      tenant: tenant.subdomain,
      headers: client,
    });
    expect(login.status).toBe(429);
    // Another client still gets in with the password and a code.
    const other = await verify(t, { mfaToken: token, code: totp(enrolment.secret) });
    expect(other.status).toBe(200);

    const rows = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({ where: { userId: account.id }, order: { createdAt: 'ASC' } });
    const actions = rows.map((row) => row.action);
    expect(actions).toContain(AuditAction.LOGIN_MFA_CHALLENGED);
    expect(rows.filter((row) => row.metadata?.reason === 'wrong_mfa_code')).toHaveLength(5);
    expect(rows.at(-1)).toMatchObject({
      action: AuditAction.LOGIN_SUCCEEDED,
      organizationId: tenant.id,
      metadata: { mfa: 'totp' },
    });
  });

  it('wants exactly one of code and recoveryCode', async () => {
    const { account, enrolment } = await enrolled();
    const token = await mfaToken(account);
    const both = await verify(t, {
      mfaToken: token,
      code: totp(enrolment.secret),
      recoveryCode: enrolment.recoveryCodes[0],
    });
    expect(both.status).toBe(400);
    expect((await verify(t, { mfaToken: token })).status).toBe(400);
  });

  it('signs a superuser in with two steps too', async () => {
    const superuser = await createSuperuser(t);
    const { secret } = await enrol(t, superuser);
    const token = await mfaToken(superuser);
    const result = await verify(t, { mfaToken: token, code: totp(secret) });
    expect(result.status).toBe(200);
    const claims = decodeClaims(result.body.data.tokens.accessToken);
    expect(claims).toMatchObject({ typ: 'platform', amr: ['pwd', 'otp'] });
    const jobs = await request(t, 'GET', '/api/platform/jobs/failed', {
      token: result.body.data.tokens.accessToken,
    });
    expect(jobs.status).toBe(200);
  });

  it('keeps plain password sign-in for users without a second factor', async () => {
    const account = await createUser(t, tenant, ['client']);
    const step = await passwordStep(t, account);
    expect((step.body.data as unknown as AuthData).tokens.accessToken).toEqual(expect.any(String));
  });
});
