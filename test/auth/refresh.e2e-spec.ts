import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import {
  type ApiResponse,
  type AuthData,
  bearer,
  cookieValue,
  login,
  me,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { sleep } from '../support/time';
import { sessionIdOfAccessToken } from '../support/tokens';

const ALLOWED_ORIGIN = 'https://app.example.com';

interface BodyTokens {
  accessToken: string;
  refreshToken: string;
}

/** Logs in as a non-browser client: the refresh token comes back in the body. */
async function loginInBody(t: TestApp, owner: Registered): Promise<BodyTokens> {
  const response = await login(t, owner.organization.subdomain, owner.email, owner.password, {
    refreshTokenInBody: true,
  });
  expect(response.status).toBe(200);
  expect(response.headers.getSetCookie()).toEqual([]);
  const { tokens } = response.json<AuthData>().data;
  expect(tokens.refreshToken).toBeDefined();
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken! };
}

function refreshInBody(t: TestApp, refreshToken: string): Promise<ApiResponse> {
  return request(t, 'POST', '/api/auth/refresh', { body: { refreshToken } });
}

async function refreshedTokens(response: ApiResponse): Promise<BodyTokens> {
  expect(response.status).toBe(200);
  const { tokens } = response.json<AuthData>().data;
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken! };
}

async function auditRows(t: TestApp, action: string): Promise<AuditLog[]> {
  return t.app.get(DataSource).getRepository(AuditLog).find({ where: { action } });
}

describe('refresh token rotation', () => {
  let t: TestApp;
  let owner: Registered;

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: ALLOWED_ORIGIN, AUTH_IP_RATE_LIMIT: '1000' } });
    owner = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('20 parallel refreshes of one token leave at most one live successor', async () => {
    const start = await loginInBody(t, owner);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => refreshInBody(t, start.refreshToken)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 200 || status === 401)).toBe(true);

    const ok = responses.filter((response) => response.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const successors = await Promise.all(ok.map(refreshedTokens));
    const distinct = [...new Set(successors.map((tokens) => tokens.refreshToken))];
    expect(distinct).toHaveLength(1);
    expect(distinct[0]).not.toBe(start.refreshToken);
    // Every answer is for the same session.
    const sessionIds = new Set(
      successors.map((tokens) => sessionIdOfAccessToken(tokens.accessToken)),
    );
    expect([...sessionIds]).toEqual([sessionIdOfAccessToken(start.accessToken)]);

    // Exactly one token can still refresh: the successor, which rotates normally.
    const next = await refreshedTokens(await refreshInBody(t, distinct[0]));
    expect(next.refreshToken).not.toBe(distinct[0]);
    expect((await me(t, next.accessToken)).status).toBe(200);
  });

  it('reuse of the previous token inside the grace window returns the same successor and keeps the session', async () => {
    const start = await loginInBody(t, owner);
    const first = await refreshedTokens(await refreshInBody(t, start.refreshToken));
    const again = await refreshedTokens(await refreshInBody(t, start.refreshToken));
    expect(again.refreshToken).toBe(first.refreshToken);
    expect(again.accessToken).not.toBe(first.accessToken);

    expect((await me(t, first.accessToken)).status).toBe(200);
    expect((await me(t, again.accessToken)).status).toBe(200);
    const next = await refreshedTokens(await refreshInBody(t, first.refreshToken));
    expect((await me(t, next.accessToken)).status).toBe(200);
    expect(await auditRows(t, 'auth.refresh.reuse_detected')).toEqual([]);
  });

  it('a token two rotations old is reuse even inside the grace window: the session ends', async () => {
    const start = await loginInBody(t, owner);
    const first = await refreshedTokens(await refreshInBody(t, start.refreshToken));
    const second = await refreshedTokens(await refreshInBody(t, first.refreshToken));

    const reuse = await refreshInBody(t, start.refreshToken);
    expect(reuse.status).toBe(401);
    expect((await refreshInBody(t, second.refreshToken)).status).toBe(401);
    expect((await me(t, second.accessToken)).status).toBe(401);
  });

  it('refuses unknown, malformed and missing refresh tokens with 401', async () => {
    const start = await loginInBody(t, owner);
    const [organizationId, sessionId, secret] = start.refreshToken.split('.');
    const forged = `${organizationId}.${sessionId}.${'A'.repeat(43)}`;
    for (const token of [
      forged,
      'garbage',
      `${'0'.repeat(36)}.${'A'.repeat(43)}`,
      // The format before tokens named their organization, and another organization's name.
      `${sessionId}.${secret}`,
      `${randomUUID()}.${sessionId}.${secret}`,
      `${organizationId}.${sessionId}.${secret}.`,
    ]) {
      const response = await refreshInBody(t, token);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('UNAUTHORIZED');
    }

    const noToken = await request(t, 'POST', '/api/auth/refresh', {
      body: {},
      headers: { 'x-csrf-protection': '1' },
    });
    expect(noToken.status).toBe(401);
  });

  describe('with the refresh cookie (browsers)', () => {
    async function cookieLogin(): Promise<string> {
      const response = await login(t, owner.organization.subdomain, owner.email, owner.password);
      expect(response.status).toBe(200);
      expect(response.json<AuthData>().data.tokens).not.toHaveProperty('refreshToken');
      const cookie = cookieValue(response, 'refresh_token');
      expect(cookie).toBeDefined();
      return cookie!;
    }

    function cookieRefresh(
      cookie: string,
      headers: Record<string, string> = {},
    ): Promise<ApiResponse> {
      return request(t, 'POST', '/api/auth/refresh', {
        body: {},
        headers: { cookie: `refresh_token=${cookie}`, ...headers },
      });
    }

    it('refuses a cookie refresh without X-CSRF-Protection: 1, and the token stays usable', async () => {
      const cookie = await cookieLogin();
      const attempts: Record<string, string>[] = [
        {},
        { 'x-csrf-protection': '0' },
        { 'x-csrf-protection': 'true' },
      ];
      for (const headers of attempts) {
        const response = await cookieRefresh(cookie, headers);
        expect(response.status).toBe(403);
        expect(response.body.error).toBe('CSRF_REJECTED');
        expect(response.headers.getSetCookie()).toEqual([]);
      }
      const ok = await cookieRefresh(cookie, { 'x-csrf-protection': '1' });
      expect(ok.status).toBe(200);
      // Rotation happened on the accepted call only: it is a plain rotation, not a grace replay.
      expect(cookieValue(ok, 'refresh_token')).not.toBe(cookie);
    });

    it('refuses a cookie refresh from a foreign Origin even with the header', async () => {
      const cookie = await cookieLogin();
      for (const origin of [
        'https://evil.example',
        'https://app.example.com.evil.example',
        'null',
        'http://app.example.com',
      ]) {
        const response = await cookieRefresh(cookie, { 'x-csrf-protection': '1', origin });
        expect(response.status).toBe(403);
        expect(response.body.error).toBe('CSRF_REJECTED');
      }
      expect((await cookieRefresh(cookie, { 'x-csrf-protection': '1' })).status).toBe(200);
    });

    it('accepts a cookie refresh from an origin listed in CORS_ORIGINS and answers it with CORS headers', async () => {
      const cookie = await cookieLogin();
      const response = await cookieRefresh(cookie, {
        'x-csrf-protection': '1',
        origin: ALLOWED_ORIGIN,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      const rotated = cookieValue(response, 'refresh_token');
      expect(rotated).toBeDefined();
      expect(rotated).not.toBe(cookie);
      expect((await me(t, response.json<AuthData>().data.tokens.accessToken)).status).toBe(200);
    });

    it('lets the preflight of an allowed origin through and gives a foreign origin no CORS grant', async () => {
      const preflight = (origin: string) =>
        request(t, 'OPTIONS', '/api/auth/refresh', {
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type,x-csrf-protection',
          },
        });
      const allowed = await preflight(ALLOWED_ORIGIN);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
        'x-csrf-protection',
      );
      const foreign = await preflight('https://evil.example');
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('refresh token reuse after the grace window', () => {
  let t: TestApp;
  let owner: Registered;

  beforeAll(async () => {
    t = await startTestApp({ env: { REFRESH_REUSE_GRACE: '1s' } });
    owner = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('ends the session and writes a security event', async () => {
    const start = await loginInBody(t, owner);
    const sessionId = sessionIdOfAccessToken(start.accessToken);
    const successor = await refreshedTokens(await refreshInBody(t, start.refreshToken));
    expect((await me(t, successor.accessToken)).status).toBe(200);

    await sleep(1300);
    const reuse = await refreshInBody(t, start.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error).toBe('UNAUTHORIZED');

    // The whole session is gone: the successor cannot refresh and its access token is refused.
    expect((await refreshInBody(t, successor.refreshToken)).status).toBe(401);
    expect((await me(t, successor.accessToken)).status).toBe(401);
    expect((await me(t, start.accessToken)).status).toBe(401);
    // Other sessions of the user are untouched.
    expect((await me(t, owner.tokens.accessToken)).status).toBe(200);
    const sessions = await request(t, 'GET', '/api/auth/sessions', {
      headers: bearer(owner.tokens.accessToken),
    });
    const listed = sessions.json<{ id: string }[]>().data.map((session) => session.id);
    expect(listed).not.toContain(sessionId);

    const rows = await auditRows(t, 'auth.refresh.reuse_detected');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ organizationId: owner.organization.id, userId: owner.user.id });
    expect(rows[0].metadata).toMatchObject({ sessionId });
    expect(rows[0].ip).toBe('127.0.0.1');
    expect(rows[0].requestId).toBe(reuse.headers.get('x-request-id'));
  });

  it('a replay inside the (1s) grace window still gets the same successor', async () => {
    const start = await loginInBody(t, owner);
    const successor = await refreshedTokens(await refreshInBody(t, start.refreshToken));
    const replay = await refreshedTokens(await refreshInBody(t, start.refreshToken));
    expect(replay.refreshToken).toBe(successor.refreshToken);
    expect((await me(t, replay.accessToken)).status).toBe(200);
  });
});
