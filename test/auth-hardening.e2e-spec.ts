import { randomBytes } from 'node:crypto';
import { bearer, json, login, post, register, type AuthData } from './support/auth';
import { startTestApp, type TestApp } from './support/test-app';
import { sessionIdOfAccessToken } from './support/tokens';

describe('session hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a made-up refresh token for a known session id is refused without ending the session', async () => {
    const owner = await register(t, { inBody: true });
    const sessionId = sessionIdOfAccessToken(owner.tokens.accessToken);
    const forged = `${sessionId}.${randomBytes(32).toString('base64url')}`;

    const attack = await post(t, '/api/auth/refresh', { refreshToken: forged });
    expect(attack.status).toBe(401);

    expect(
      (await t.request('/api/auth/me', { headers: bearer(owner.tokens.accessToken) })).status,
    ).toBe(200);
    const genuine = await post(t, '/api/auth/refresh', { refreshToken: owner.tokens.refreshToken });
    expect(genuine.status).toBe(200);
  });

  it('a token the session really issued before still counts as reuse and ends the session', async () => {
    const owner = await register(t, { inBody: true });
    const first = owner.tokens.refreshToken as string;
    const second = (
      await json<AuthData>(await post(t, '/api/auth/refresh', { refreshToken: first }))
    ).data.tokens.refreshToken as string;
    const third = (
      await json<AuthData>(await post(t, '/api/auth/refresh', { refreshToken: second }))
    ).data.tokens;

    expect((await post(t, '/api/auth/refresh', { refreshToken: first })).status).toBe(401);
    expect((await t.request('/api/auth/me', { headers: bearer(third.accessToken) })).status).toBe(
      401,
    );
  });

  it('change-password stops guessing the current password after the failure limit', async () => {
    const owner = await register(t);
    const attempt = (currentPassword: string) =>
      post(
        t,
        '/api/auth/change-password',
        { currentPassword, newPassword: 'A-fresh-and-long-pass' },
        bearer(owner.tokens.accessToken),
      );

    for (let i = 0; i < 3; i += 1) expect((await attempt(`wrong-guess-${i}`)).status).toBe(400);
    const locked = await attempt(owner.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(t, owner.organization.subdomain, owner.email, owner.password)).status).toBe(
      200,
    );
  });
});
