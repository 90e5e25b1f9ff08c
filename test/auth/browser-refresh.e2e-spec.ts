import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ApiBody,
  type ApiResponse,
  type AuthData,
  me,
  newSubdomain,
  PASSWORD,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * What a browser app does, exactly as docs/authentication.md ("Browsers: the cookie and the CSRF defence")
 * tells it to: fetch with `credentials: 'include'`, the header `X-CSRF-Protection: 1` and no
 * body at all, so no Content-Type either. A small cookie jar plays the browser's part.
 */

const APP_ORIGIN = 'https://app.example.com';

/** The fetch options the documented snippets pass; `credentials` is what makes a browser send the cookie. */
interface BrowserInit {
  method: string;
  credentials: 'include';
  headers?: Record<string, string>;
  body?: string;
}

class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Stores what Set-Cookie says; an expired or emptied cookie is dropped, as a browser does. */
  store(setCookie: string[]): void {
    for (const line of setCookie) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      const expired = attributes.some((attribute) => {
        const [key, raw] = attribute.split('=');
        if (key.toLowerCase() === 'max-age') return Number(raw) <= 0;
        if (key.toLowerCase() === 'expires') return new Date(raw).getTime() <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

describe('a browser app, doing what the documentation says', () => {
  let t: TestApp;

  /** fetch as the page calls it, with the jar's cookies and the page's Origin added by "the browser". */
  async function browserFetch(
    jar: CookieJar,
    path: string,
    init: BrowserInit,
  ): Promise<ApiResponse> {
    const response = await request(t, init.method, path, {
      rawBody: init.body,
      headers: { ...init.headers, origin: APP_ORIGIN, cookie: jar.header() },
    });
    jar.store(response.headers.getSetCookie());
    return response;
  }

  /** Signs up in the browser: the refresh token lands in the jar, the access token in memory. */
  async function signUp(jar: CookieJar): Promise<string> {
    const subdomain = newSubdomain('browser');
    const response = await browserFetch(jar, '/api/auth/register', {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        organization: { name: 'Browser Org', subdomain },
        email: `owner@${subdomain}.test`,
        password: PASSWORD,
        firstName: 'Ada',
        lastName: 'Lovelace',
      }),
    });
    expect(response.status).toBe(201);
    expect(jar.get('refresh_token')).toBeDefined();
    return response.json<AuthData>().data.tokens.accessToken;
  }

  /** The documented refresh snippet, word for word (plus the jar). */
  function documentedRefresh(jar: CookieJar): Promise<ApiResponse> {
    return browserFetch(jar, '/api/auth/refresh', {
      method: 'POST',
      credentials: 'include',
      headers: { 'X-CSRF-Protection': '1' },
    });
  }

  /** The documented logout snippet, word for word (plus the jar). */
  function documentedLogout(jar: CookieJar, accessToken: string): Promise<ApiResponse> {
    return browserFetch(jar, '/api/auth/logout', {
      method: 'POST',
      credentials: 'include',
      headers: { Authorization: `Bearer ${accessToken}`, 'X-CSRF-Protection': '1' },
    });
  }

  async function expectFreshAccess(
    answer: { status: number; body: ApiBody<AuthData>; allowOrigin: unknown },
    jar: CookieJar,
    before: string,
  ) {
    const { status, body } = answer;
    expect({ status, error: body.error, message: body.message }).toEqual({
      status: 200,
      error: undefined,
      message: 'Tokens refreshed',
    });
    expect(body.data.tokens).not.toHaveProperty('refreshToken');
    expect(answer.allowOrigin).toBe(APP_ORIGIN);
    expect(jar.get('refresh_token')).toBeDefined();
    expect(jar.get('refresh_token')).not.toBe(before);
    const profile = await me(t, body.data.tokens.accessToken);
    expect(profile.status).toBe(200);
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: APP_ORIGIN, AUTH_IP_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('calls fetch exactly as docs/authentication.md shows', () => {
    const documented = readFileSync(
      join(__dirname, '..', '..', 'docs', 'authentication.md'),
      'utf8',
    );
    const snippet = (path: string, headers: string) =>
      `fetch('https://api.example.com${path}', {\n  method: 'POST',\n  credentials: 'include',\n  headers: ${headers},\n});`;
    expect(documented).toContain(snippet('/api/auth/refresh', "{ 'X-CSRF-Protection': '1' }"));
    expect(documented).toContain(
      snippet(
        '/api/auth/logout',
        "{ Authorization: `Bearer ${accessToken}`, 'X-CSRF-Protection': '1' }",
      ),
    );
  });

  it('refreshes with the cookie, X-CSRF-Protection: 1 and no body, again and again', async () => {
    const jar = new CookieJar();
    await signUp(jar);
    for (let round = 0; round < 3; round += 1) {
      const before = jar.get('refresh_token') ?? '';
      const response = await documentedRefresh(jar);
      await expectFreshAccess(
        {
          status: response.status,
          body: response.json<AuthData>(),
          allowOrigin: response.headers.get('access-control-allow-origin'),
        },
        jar,
        before,
      );
    }
  });

  it.each([
    ['no body, no Content-Type and no Content-Length (XMLHttpRequest, axios)', undefined],
    ['Content-Type: application/json and an empty body', ''],
    ['Content-Type: application/json and {}', '{}'],
  ])('refreshes just the same with %s', async (_name, raw: string | undefined) => {
    const jar = new CookieJar();
    await signUp(jar);
    const before = jar.get('refresh_token') ?? '';
    const result = await request(t, 'POST', '/api/auth/refresh', {
      rawBody: raw,
      headers: {
        ...(raw !== undefined ? { 'content-type': 'application/json' } : {}),
        'x-csrf-protection': '1',
        origin: APP_ORIGIN,
        cookie: jar.header(),
      },
    });
    jar.store(result.headers.getSetCookie());
    await expectFreshAccess(
      {
        status: result.status,
        body: result.json<AuthData>(),
        allowOrigin: result.headers.get('access-control-allow-origin'),
      },
      jar,
      before,
    );
  });

  it('without a cookie the same request is a 401, without the header a 403, never a 400', async () => {
    const empty = new CookieJar();
    const anonymous = await documentedRefresh(empty);
    expect({ status: anonymous.status, error: anonymous.body.error }).toEqual({
      status: 401,
      error: 'UNAUTHORIZED',
    });
    const jar = new CookieJar();
    await signUp(jar);
    const withoutHeader = await browserFetch(jar, '/api/auth/refresh', {
      method: 'POST',
      credentials: 'include',
    });
    expect({ status: withoutHeader.status, error: withoutHeader.body.error }).toEqual({
      status: 403,
      error: 'CSRF_REJECTED',
    });
  });

  it('logs out with the access token and the cookie, no body: the cookie is cleared and both tokens are dead', async () => {
    const jar = new CookieJar();
    const accessToken = await signUp(jar);
    const cookie = jar.get('refresh_token') ?? '';
    const response = await documentedLogout(jar, accessToken);
    expect(response.status).toBe(200);
    expect(jar.get('refresh_token')).toBeUndefined();

    expect((await me(t, accessToken)).status).toBe(401);
    const replayed = await request(t, 'POST', '/api/auth/refresh', {
      headers: { 'x-csrf-protection': '1', cookie: `refresh_token=${cookie}` },
    });
    expect(replayed.status).toBe(401);
  });

  it.each([
    ['Content-Type: application/json and an empty body', ''],
    ['Content-Type: application/json and {}', '{}'],
  ])('logs out just the same with %s', async (_name, raw) => {
    const jar = new CookieJar();
    const accessToken = await signUp(jar);
    const result = await request(t, 'POST', '/api/auth/logout', {
      token: accessToken,
      rawBody: raw,
      headers: { 'content-type': 'application/json', cookie: jar.header(), origin: APP_ORIGIN },
    });
    expect(result.status).toBe(200);
    expect(result.headers.getSetCookie().join('\n')).toMatch(/refresh_token=;/);
    expect((await me(t, accessToken)).status).toBe(401);
  });
});
