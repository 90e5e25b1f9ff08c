import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, Post } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Authenticated, Permissions } from '../../src/security/decorators';
import { ALL_PERMISSIONS } from '../../src/security/permissions';
import { Public } from '../../src/security/public.decorator';
import { type ApiResponse, me, request } from '../support/api-client';
import { apiOperations, fetchOpenApi, fillPath } from '../support/openapi';
import {
  declaresAccess,
  type NestRoute,
  nestRoutes,
  routeKey,
  routerRoutes,
} from '../support/routes';
import { createTenant, type Tenant } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { decodeClaims, handcraftedJwt } from '../support/tokens';

/**
 * Deny by default, proven over every route of the running app.
 * The routes come from Nest's controller metadata, cross-checked with Fastify's router and the
 * OpenAPI document, so a new route is walked without anyone adding it here.
 */

/**
 * The routes anyone may call. Making a route public is a security decision: adding one means
 * adding it here, in review, on purpose.
 */
const PUBLIC_ROUTES = [
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'POST /api/auth/login',
  'POST /api/auth/mfa/verify',
  'POST /api/auth/password/forgot',
  'POST /api/auth/password/reset',
  'POST /api/auth/refresh',
  'POST /api/auth/register',
  'POST /api/auth/superuser/login',
  'POST /api/auth/email/verify',
  'POST /api/invitations/accept',
  'POST /api/invitations/preview',
];

/**
 * Served by Fastify plugins rather than Nest controllers, so AccessGuard never sees them:
 * Swagger UI and its document, and CORS preflight. Anything else mounted outside Nest fails.
 */
const OUTSIDE_NEST = [/^(GET|HEAD) \/api\/docs(\/.*|-json|-yaml)?$/, /^OPTIONS \*$/];

function errorEnvelopeProblem(result: ApiResponse, status: number, code: string): string | null {
  const body = result.bodyOrNull;
  if (result.status !== status) return `status ${result.status}, expected ${status}`;
  if (!body || body.success !== false) return 'not the error envelope';
  if (body.error !== code) return `error ${String(body.error)}, expected ${code}`;
  if (body.statusCode !== status) return `statusCode ${String(body.statusCode)}`;
  if (typeof body.message !== 'string' || !body.message) return 'no message';
  if (typeof body.requestId !== 'string' || !body.requestId) return 'no requestId';
  if (body.requestId !== result.headers.get('x-request-id'))
    return 'requestId differs from X-Request-Id';
  return null;
}

/** A request to the route that would pass validation if the guard let it through. */
function requestPath(route: NestRoute): string {
  return fillPath(route.path, new Proxy<Record<string, string>>({}, { get: () => randomUUID() }));
}

describe('route guards: every route declares its access', () => {
  let t: TestApp;
  let routes: NestRoute[];
  let guarded: NestRoute[];
  let doc: OpenAPIObject;
  let owner: Tenant;

  beforeAll(async () => {
    t = await startTestApp();
    routes = nestRoutes(t.app);
    guarded = routes.filter((route) => !route.access.public);
    doc = await fetchOpenApi(t);
    owner = await createTenant(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads the routes of the app (sanity check of the walk itself)', () => {
    const keys = routes.map((route) => route.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /api/auth/me',
        'GET /api/users/:id',
        'POST /api/roles',
      ]),
    );
    expect(guarded.length).toBeGreaterThan(15);
  });

  it('every route has @Public() or a permission, role or @Authenticated() requirement', () => {
    const undeclared = routes
      .filter((route) => !declaresAccess(route.access))
      .map((route) => `${route.key} (${route.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('requirements name permissions that exist', () => {
    const unknown = guarded.flatMap((route) =>
      route.access.permissions
        .filter((code) => !(ALL_PERMISSIONS as readonly string[]).includes(code))
        .map((code) => `${route.key}: permission ${code}`),
    );
    expect(unknown).toEqual([]);
  });

  it('the platform-only routes are exactly the reviewed list, and ask for nothing else', () => {
    const platformOnly = routes.filter((route) => route.access.platformOnly);
    expect(platformOnly.map((route) => route.key)).toEqual([
      'GET /api/organizations',
      'GET /api/platform/jobs/failed',
      'PATCH /api/organizations/:id',
      'POST /api/platform/jobs/:id/retry',
    ]);
    expect(platformOnly.filter((route) => route.access.permissions.length > 0)).toEqual([]);
  });

  it('the public routes are exactly the reviewed list', () => {
    expect(routes.filter((route) => route.access.public).map((route) => route.key)).toEqual(
      [...PUBLIC_ROUTES].sort(),
    );
  });

  it('the router, the controllers and the OpenAPI document list the same routes', () => {
    const nestKeys = routes.map((route) => route.key);
    const router = routerRoutes(t.app);
    const routerKeys = new Set(router.map((route) => routeKey(route.method, route.path)));
    // Every controller route is mounted (this also proves the router table was read correctly).
    expect(nestKeys.filter((key) => !routerKeys.has(key))).toEqual([]);
    // Nothing answers that Nest's guard does not see, apart from the listed plugin routes;
    // HEAD is Fastify's automatic twin of a GET and goes through the same handler and guard.
    const outside = [...routerKeys].filter(
      (key) =>
        !nestKeys.includes(key) &&
        !nestKeys.includes(key.replace(/^HEAD /, 'GET ')) &&
        !OUTSIDE_NEST.some((pattern) => pattern.test(key)),
    );
    expect(outside).toEqual([]);
    // The OpenAPI document, which the isolation walk reads, hides no route and invents none.
    const documented = apiOperations(doc).map((operation) => operation.key);
    expect(documented).toEqual(nestKeys);
  });

  it('every non-public route answers 401 in the error envelope without a token, whatever the body', async () => {
    const problems: string[] = [];
    for (const route of guarded) {
      const path = requestPath(route);
      const body =
        route.method === 'GET' || route.method === 'DELETE'
          ? undefined
          : { organizationId: 'x', roles: ['admin'] };
      const result = await request(t, route.method, path, { body });
      const problem = errorEnvelopeProblem(result, 401, 'UNAUTHORIZED');
      if (problem) problems.push(`${problem}: ${result.describe()}`);
      if (route.method === 'GET') {
        const head = await request(t, 'HEAD', path);
        if (head.status !== 401) problems.push(`HEAD ${path} -> ${head.status}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every non-public route answers 401 to garbage, forged, expired and revoked tokens', async () => {
    const claims = decodeClaims(owner.owner.token);
    const now = Math.floor(Date.now() / 1000);
    const secret = t.config.jwt.secret;
    const revoked = (await createTenant(t)).owner.token;
    const logout = await request(t, 'POST', '/api/auth/logout', { token: revoked });
    expect(logout.status).toBe(200);
    const credentials: [string, string][] = [
      ['garbage', 'Bearer garbage'],
      ['three garbage segments', 'Bearer a.b.c'],
      ['empty bearer', 'Bearer '],
      [
        'another scheme',
        `Basic ${Buffer.from(`${owner.owner.email}:${owner.owner.password}`).toString('base64')}`,
      ],
      ['token without scheme', owner.owner.token],
      [
        'signed with another secret',
        `Bearer ${handcraftedJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, jti: randomUUID() }, { hmac: 'sha256', secret: `${secret}x` })}`,
      ],
      [
        'alg none',
        `Bearer ${handcraftedJwt({ alg: 'none', typ: 'JWT' }, { ...claims, jti: randomUUID() }, 'unsigned')}`,
      ],
      [
        'expired',
        `Bearer ${handcraftedJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, jti: randomUUID(), iat: now - 3600, exp: now - 60 }, { hmac: 'sha256', secret })}`,
      ],
      ['revoked (after logout)', `Bearer ${revoked}`],
    ];
    const problems: string[] = [];
    for (const route of guarded) {
      const path = requestPath(route);
      for (const [name, authorization] of credentials) {
        const result = await request(t, route.method, path, {
          authorization,
          body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
        });
        const problem = errorEnvelopeProblem(result, 401, 'UNAUTHORIZED');
        if (problem) problems.push(`${name}: ${problem}: ${result.describe()}`);
      }
    }
    expect(problems).toEqual([]);
    // Control: the token all the forgeries were made from is accepted.
    expect((await me(t, owner.owner.token)).status).toBe(200);
  });
});

/** A controller that forgets its requirement, and one that gets it right, mounted only here. */
@Controller('guard-probe')
class GuardProbeController {
  @Get('forgotten')
  forgotten(): string {
    return 'should never be served';
  }

  @Post('forgotten')
  forgottenPost(): string {
    return 'should never be served';
  }

  @Get('declared')
  @Authenticated()
  declared(): string {
    return 'ok';
  }

  @Get('needs-audit')
  @Permissions('audit.read')
  needsAudit(): string {
    return 'ok';
  }

  @Get('open')
  @Public({ tenant: false })
  open(): string {
    return 'ok';
  }
}

@Module({ controllers: [GuardProbeController] })
class GuardProbeModule {}

describe('route guards: the check catches a route that declares nothing', () => {
  let t: TestApp;
  let owner: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ extraImports: [GuardProbeModule] });
    owner = await createTenant(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds exactly the undeclared probe routes', () => {
    const undeclared = nestRoutes(t.app).filter((route) => !declaresAccess(route.access));
    expect(undeclared.map((route) => route.key)).toEqual([
      'GET /api/guard-probe/forgotten',
      'POST /api/guard-probe/forgotten',
    ]);
  });

  it('and AccessGuard refuses them even to an admin (deny by default)', async () => {
    for (const method of ['GET', 'POST']) {
      const result = await request(t, method, '/api/guard-probe/forgotten', {
        token: owner.owner.token,
        body: method === 'POST' ? {} : undefined,
      });
      expect({
        method,
        status: result.status,
        error: result.body.error,
      }).toEqual({ method, status: 403, error: 'FORBIDDEN' });
      expect(result.text).not.toContain('should never be served');
    }
    expect(
      (await request(t, 'GET', '/api/guard-probe/declared', { token: owner.owner.token })).status,
    ).toBe(200);
    expect(
      (await request(t, 'GET', '/api/guard-probe/needs-audit', { token: owner.owner.token }))
        .status,
    ).toBe(200);
    expect((await request(t, 'GET', '/api/guard-probe/declared')).status).toBe(401);
    expect((await request(t, 'GET', '/api/guard-probe/open')).status).toBe(200);
  });
});
