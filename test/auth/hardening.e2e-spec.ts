import { randomBytes } from 'node:crypto';
import { type AuthData, bearer, login, me, register, request } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { sessionIdOfAccessToken } from '../support/tokens';

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
    const forged = `${owner.organization.id}.${sessionId}.${randomBytes(32).toString('base64url')}`;

    const attack = await request(t, 'POST', '/api/auth/refresh', {
      body: { refreshToken: forged },
    });
    expect(attack.status).toBe(401);

    expect((await me(t, owner.tokens.accessToken)).status).toBe(200);
    const genuine = await request(t, 'POST', '/api/auth/refresh', {
      body: { refreshToken: owner.tokens.refreshToken },
    });
    expect(genuine.status).toBe(200);
  });

  it('a token the session really issued before still counts as reuse and ends the session', async () => {
    const owner = await register(t, { inBody: true });
    const first = owner.tokens.refreshToken as string;
    const second = (
      await request(t, 'POST', '/api/auth/refresh', { body: { refreshToken: first } })
    ).json<AuthData>().data.tokens.refreshToken as string;
    const third = (
      await request(t, 'POST', '/api/auth/refresh', { body: { refreshToken: second } })
    ).json<AuthData>().data.tokens;

    expect(
      (await request(t, 'POST', '/api/auth/refresh', { body: { refreshToken: first } })).status,
    ).toBe(401);
    expect((await me(t, third.accessToken)).status).toBe(401);
  });

  it('change-password stops guessing the current password after the failure limit', async () => {
    const owner = await register(t);
    const attempt = (currentPassword: string) =>
      request(t, 'POST', '/api/auth/change-password', {
        body: { currentPassword, newPassword: 'A-fresh-and-long-pass' },
        headers: bearer(owner.tokens.accessToken),
      });

    for (let i = 0; i < 3; i += 1) expect((await attempt(`wrong-guess-${i}`)).status).toBe(400);
    const locked = await attempt(owner.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(t, owner.organization.subdomain, owner.email, owner.password)).status).toBe(
      200,
    );
  });
});
