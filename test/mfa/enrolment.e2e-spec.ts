import { DataSource } from 'typeorm';
import { AuditAction } from '../../src/modules/audit/audit-actions';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { MfaFactor } from '../../src/modules/mfa/mfa-factor.entity';
import { SecretBox } from '../../src/modules/mfa/secret-box';
import { me, request } from '../support/api-client';
import { enrol, passwordStep, startSetup, verify } from '../support/mfa';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { type Account, createTenant, createUser, type Tenant } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { base32Decode, totp } from '../support/totp';

interface Status {
  enabled: boolean;
  enabledAt: string | null;
  setupPending: boolean;
  recoveryCodesRemaining: number;
  required: boolean;
}

describe('enrolling in TOTP, recovery codes and turning it off', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let tenant: Tenant;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      env: { MFA_ISSUER: 'Acme Cloud', SMTP_URL: sink.url, OUTBOX_POLL_INTERVAL: '200ms' },
    });
    tenant = await createTenant(t, 'enrol');
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const status = async (account: Account) =>
    (await request<Status>(t, 'GET', '/api/auth/mfa', { token: account.token })).body.data;
  const auditOf = (userId: string) =>
    t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({ where: { entityId: userId } });
  const confirm = (account: Account, code: string) =>
    request<{ recoveryCodes: string[] }>(t, 'POST', '/api/auth/mfa/totp/confirm', {
      token: account.token,
      body: { code },
    });

  it('hands out a secret, its otpauth URL and QR code, and activates nothing yet', async () => {
    const account = await createUser(t, tenant, ['staff']);
    const wrong = await request(t, 'POST', '/api/auth/mfa/totp/setup', {
      token: account.token,
      body: { password: 'Wrong-Pass-for-tests' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('INVALID_CREDENTIALS');

    const setup = await startSetup(t, account);
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(setup.secret)).toHaveLength(20);
    const url = new URL(setup.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe(
      `/Acme Cloud:Org ${tenant.subdomain} (${account.email})`,
    );
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      secret: setup.secret,
      issuer: 'Acme Cloud',
    });
    expect(setup.qrCodeDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);

    expect(await status(account)).toEqual({
      enabled: false,
      enabledAt: null,
      setupPending: true,
      recoveryCodesRemaining: 0,
      required: false,
    });
    const login = await passwordStep(t, account);
    expect(login.text).toContain('accessToken');
  });

  it('turns on with one code of the new secret, within one step of drift, and yields 10 recovery codes once', async () => {
    const account = await createUser(t, tenant, ['staff']);
    const { secret } = await startSetup(t, account);
    for (const offset of [2, -2]) {
      const drifted = await confirm(account, totp(secret, offset));
      expect(drifted.status).toBe(400);
      expect(drifted.body.error).toBe('INVALID_CREDENTIALS');
    }
    expect((await status(account)).enabled).toBe(false);
    const confirmed = await confirm(account, totp(secret, 1));
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = confirmed.body.data;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(await status(account)).toMatchObject({
      enabled: true,
      setupPending: false,
      recoveryCodesRemaining: 10,
    });
    // Once on, a second setup or confirmation is refused until it is turned off.
    expect((await confirm(account, totp(secret))).status).toBe(409);
    const again = await request(t, 'POST', '/api/auth/mfa/totp/setup', {
      token: account.token,
      body: { password: account.password },
    });
    expect(again.status).toBe(409);
    const mfaRows = (await auditOf(account.id)).filter((row) => row.action.startsWith('auth.mfa.'));
    expect(mfaRows).toMatchObject([
      { action: AuditAction.MFA_ENABLED, userId: account.id, organizationId: tenant.id },
    ]);
    // Administrators see it in the user list.
    const listed = await request<{ mfaEnabled: boolean }>(t, 'GET', `/api/users/${account.id}`, {
      token: tenant.owner.token,
    });
    expect(listed.body.data.mfaEnabled).toBe(true);
  });

  it('refuses a confirmation without a setup', async () => {
    const account = await createUser(t, tenant, ['client']);
    const result = await confirm(account, '123456');
    expect(result.status).toBe(409);
  });

  it('stores the secret sealed with AES-256-GCM, bound to its owner, and the recovery codes hashed', async () => {
    const account = await createUser(t, tenant, ['staff']);
    const { secret, recoveryCodes } = await enrol(t, account);
    const row = await t.app
      .get(DataSource)
      .getRepository(MfaFactor)
      .createQueryBuilder('factor')
      .addSelect(['factor.secret', 'factor.recoveryCodes'])
      .where({ userId: account.id })
      .getOneOrFail();
    expect(row.organizationId).toBe(tenant.id);
    expect(row.secret).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    const raw = base32Decode(secret);
    for (const leak of [secret, raw.toString('hex'), raw.toString('base64')])
      expect(row.secret).not.toContain(leak);
    const box = t.app.get(SecretBox);
    expect(box.open(row.secret ?? '', `${tenant.id}:${account.id}`)).toEqual(raw);
    expect(() => box.open(row.secret ?? '', `${tenant.id}:${tenant.owner.id}`)).toThrow();
    expect(row.recoveryCodes).toHaveLength(10);
    const stored = JSON.stringify(row.recoveryCodes);
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
  });

  it('regenerates the recovery codes with the password and a current code: the old set stops working', async () => {
    const account = await createUser(t, tenant, ['staff']);
    const { secret, recoveryCodes: old } = await enrol(t, account);
    const regenerate = (body: object) =>
      request<{ recoveryCodes: string[] }>(t, 'POST', '/api/auth/mfa/recovery-codes', {
        token: account.token,
        body,
      });
    expect(
      (await regenerate({ password: 'Wrong-Pass-for-tests', code: totp(secret) })).status,
    ).toBe(400);
    const fresh = await regenerate({ password: account.password, code: totp(secret) });
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.recoveryCodes).toHaveLength(10);
    expect(fresh.body.data.recoveryCodes).not.toContain(old[0]);
    const signIn = async (recoveryCode: string) =>
      verify(t, { mfaToken: (await passwordStep(t, account)).body.data.mfaToken, recoveryCode });
    expect((await signIn(old[0])).status).toBe(401);
    expect((await signIn(fresh.body.data.recoveryCodes[0])).status).toBe(200);
    expect((await auditOf(account.id)).map((row) => row.action)).toContain(
      AuditAction.MFA_RECOVERY_CODES_REGENERATED,
    );
  });

  it('turns off with the password and a recovery code: other sessions end, a notice is mailed', async () => {
    const account = await createUser(t, tenant, ['staff']);
    const { secret, recoveryCodes } = await enrol(t, account);
    const mfaToken = (await passwordStep(t, account)).body.data.mfaToken;
    const second = await verify(t, { mfaToken, code: totp(secret) });
    expect(second.status).toBe(200);
    const disable = (body: object) =>
      request<{ otherSessionsEnded: number }>(t, 'DELETE', '/api/auth/mfa/totp', {
        token: account.token,
        body,
      });
    const wrongCode = await disable({ password: account.password, code: totp(secret, 5) });
    expect(wrongCode.status).toBe(400);
    expect((await status(account)).enabled).toBe(true);
    const off = await disable({ password: account.password, recoveryCode: recoveryCodes[3] });
    expect(off.status).toBe(200);
    expect(off.body.data.otherSessionsEnded).toBe(1);
    expect((await me(t, second.body.data.tokens.accessToken)).status).toBe(401);
    expect((await me(t, account.token)).status).toBe(200);
    expect(await status(account)).toMatchObject({ enabled: false, recoveryCodesRemaining: 0 });
    // The password alone signs in again.
    expect((await passwordStep(t, account)).text).toContain('accessToken');

    const mail = await sink.waitFor((message) => message.to.includes(account.email));
    expect(mail.subject).toBe(`Org ${tenant.subdomain}: two-factor authentication was turned off`);
    expect(mail.text).toContain('was turned off on');
    expect((await auditOf(account.id)).map((row) => row.action)).toContain(
      AuditAction.MFA_DISABLED,
    );
  });
});
