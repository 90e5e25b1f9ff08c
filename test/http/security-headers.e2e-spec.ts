import { type ApiResponse, request } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

const ALLOWED = 'https://app.example.com';
const ALSO_ALLOWED = 'http://localhost:5173';
const FOREIGN = 'https://evil.example.net';

/** Document headers on Swagger UI only, the JSON set everywhere else, CORS only for CORS_ORIGINS. */
describe('security headers and CORS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}` } });
  });
  afterAll(async () => {
    await t.close();
  });

  const expectBaseline = (response: ApiResponse) => {
    const hsts = response.headers.get('strict-transport-security') ?? '';
    expect(hsts).toMatch(/max-age=31536000/);
    expect(hsts).toMatch(/includeSubDomains/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc).not.toMatch(/unsafe-inline|unsafe-eval/);
  };

  /** Headers that only govern documents (pages), so a JSON response has no use for them. */
  const DOCUMENT_ONLY = [
    'referrer-policy',
    'cross-origin-opener-policy',
    'origin-agent-cluster',
    'x-dns-prefetch-control',
    'x-download-options',
    'x-permitted-cross-domain-policies',
    'x-xss-protection',
  ];

  describe.each([
    ['/health', 200],
    ['/api/does-not-exist', 404],
    ['/api/auth/me', 401],
    ['/api/%E0%A4%A', 400],
    ['/api/docs-json', 200],
  ])('on the JSON response of %s', (path, status) => {
    let response: ApiResponse;
    beforeAll(async () => {
      response = await request(t, 'GET', path);
    });

    it('answers as expected', () => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('sends HSTS, nosniff, a frame ban and no cross-origin embedding', () => {
      expectBaseline(response);
    });

    it('sends a CSP that loads nothing and is never cached', () => {
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('sends none of the headers that only govern documents', () => {
      for (const name of DOCUMENT_ONLY) expect(response.headers.get(name)).toBeNull();
    });
  });

  describe.each(['/api/docs', '/api/docs/swagger-ui-init.js'])('on the docs UI at %s', (path) => {
    let response: ApiResponse;
    beforeAll(async () => {
      response = await request(t, 'GET', path);
    });

    it('answers', () => {
      expect(response.status).toBe(200);
    });

    it('sends the baseline', () => {
      expectBaseline(response);
    });

    it("sends the page CSP, scripts from the API's own origin only", () => {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
    });

    it('sends the document headers: a referrer policy and an opener policy', () => {
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    });
  });

  describe('CORS', () => {
    it.each([ALLOWED, ALSO_ALLOWED])(
      'lets the listed origin %s in, with credentials',
      async (origin) => {
        const response = await request(t, 'GET', '/health', { headers: { origin } });
        expect(response.headers.get('access-control-allow-origin')).toBe(origin);
        expect(response.headers.get('access-control-allow-credentials')).toBe('true');
        expect(response.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
        expect(response.headers.get('vary')).toMatch(/Origin/i);
      },
    );

    it('answers a preflight from a listed origin', async () => {
      const response = await request(t, 'OPTIONS', '/api/anything', {
        headers: {
          origin: ALLOWED,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
      expect(response.status).toBeLessThan(300);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    });

    it.each([
      ['a foreign origin', FOREIGN],
      ['a listed origin on another scheme', 'http://app.example.com'],
      ['a suffix look-alike', 'https://app.example.com.evil.net'],
      ['the null origin', 'null'],
    ])('gives %s no CORS headers at all', async (_case, origin) => {
      const simple = await request(t, 'GET', '/health', { headers: { origin } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      expect(simple.headers.get('access-control-allow-credentials')).toBeNull();

      const preflight = await request(t, 'OPTIONS', '/api/anything', {
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });
});

describe('CORS with no CORS_ORIGINS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('allows no cross-origin access by default', async () => {
    expect(t.config.corsOrigins).toEqual([]);
    const response = await request(t, 'GET', '/health', {
      headers: { origin: 'http://localhost:3000' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await request(t, 'OPTIONS', '/api/anything', {
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
