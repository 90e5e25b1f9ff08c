import {
  type AuthData,
  bearer,
  cookieValue,
  login,
  me,
  register,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

describe('authentication flow', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('register, login, me, refresh, reuse of a rotated token, logout, then old tokens refused', async () => {
    const owner = await register(t);
    expect(owner.user.roles).toEqual(['admin']);
    expect(owner.user).not.toHaveProperty('passwordHash');
    expect(owner.refreshCookie).toBeDefined();

    const loginResponse = await login(t, owner.organization.subdomain, owner.email, owner.password);
    expect(loginResponse.status).toBe(200);
    const loggedIn = loginResponse.json<AuthData>();
    const refreshCookie = cookieValue(loginResponse, 'refresh_token');
    expect(refreshCookie).toMatch(/^[0-9a-f-]{36}\./);
    const setCookie = loginResponse.headers.getSetCookie().join(';');
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/api\/auth/);

    const profile = await me(t, loggedIn.data.tokens.accessToken);
    expect(profile.status).toBe(200);
    expect(profile.body.data.user.email).toBe(owner.email);

    const refreshed = await request(t, 'POST', '/api/auth/refresh', {
      body: {},
      headers: { cookie: `refresh_token=${refreshCookie}`, 'x-csrf-protection': '1' },
    });
    expect(refreshed.status).toBe(200);
    const rotatedCookie = cookieValue(refreshed, 'refresh_token');
    expect(rotatedCookie).toBeDefined();
    expect(rotatedCookie).not.toBe(refreshCookie);
    const newAccess = refreshed.json<AuthData>().data.tokens.accessToken;

    const logout = await request(t, 'POST', '/api/auth/logout', {
      body: {},
      headers: bearer(newAccess),
    });
    expect(logout.status).toBe(200);
    expect(logout.headers.getSetCookie().join(';')).toMatch(/refresh_token=;/);

    expect((await me(t, newAccess)).status).toBe(401);
    expect((await me(t, loggedIn.data.tokens.accessToken)).status).toBe(401);
    const again = await request(t, 'POST', '/api/auth/refresh', {
      body: {},
      headers: { cookie: `refresh_token=${rotatedCookie}`, 'x-csrf-protection': '1' },
    });
    expect(again.status).toBe(401);
  });
});
