import { randomUUID } from 'node:crypto';
import { Controller, Get, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKey } from '../../src/modules/api-keys/api-key.entity';
import { Authenticated, PlatformOnly } from '../../src/security/decorators';
import { API_KEY_PERMISSIONS } from '../../src/security/permissions';
import { request, type RequestOptions } from '../support/api-client';
import { fillPath } from '../support/openapi';
import { keyMayCall, type NestRoute, nestRoutes } from '../support/routes';
import { createApiKey, createTenant, type Tenant, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Deny by default for API keys, over every route of the running app: a key holding every
 * permission a key can hold reaches exactly the routes that let keys in, and nothing else; a
 * key that is not a live key of this environment reaches nothing at all.
 */

/** A request to the route that would pass validation if the guard let it through. */
function requestPath(route: NestRoute): string {
  return fillPath(route.path, new Proxy<Record<string, string>>({}, { get: () => randomUUID() }));
}

const bodyFor = (route: NestRoute) =>
  route.method === 'GET' || route.method === 'DELETE' ? undefined : {};

describe('route guards: what an API key reaches on every route', () => {
  let t: TestApp;
  let routes: NestRoute[];
  let owner: Tenant;
  let everything: string;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    routes = nestRoutes(t.app);
    owner = await createTenant(t);
    everything = (await createApiKey(t, owner, API_KEY_PERMISSIONS)).key;
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets keys in exactly where the declarations say (sanity check of the walk itself)', () => {
    const open = routes.filter((route) => !route.access.public && keyMayCall(route.access));
    expect(open.map((route) => route.key)).toEqual(
      expect.arrayContaining(['GET /api/auth/me', 'GET /api/products', 'POST /api/users']),
    );
    expect(open.map((route) => route.key)).not.toEqual(
      expect.arrayContaining(['POST /api/api-keys']),
    );
  });

  it('a key with every grantable permission passes the guard on the routes open to keys and gets 403 FORBIDDEN on every other', async () => {
    const problems: string[] = [];
    for (const route of routes.filter((candidate) => !candidate.access.public)) {
      for (const options of [
        { headers: { 'x-api-key': everything } },
        { authorization: `Bearer ${everything}` },
      ] satisfies RequestOptions[]) {
        const result = await request(t, route.method, requestPath(route), {
          ...options,
          body: bodyFor(route),
        });
        const error = result.bodyOrNull?.error;
        if (keyMayCall(route.access)) {
          if (result.status === 401 || result.status === 403 || result.status >= 500)
            problems.push(`should pass the guard: ${result.describe()}`);
        } else if (result.status !== 403 || error !== 'FORBIDDEN') {
          problems.push(`should be 403 FORBIDDEN: ${result.describe()}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('a key changes nothing on a public route', async () => {
    const problems: string[] = [];
    for (const route of routes.filter((candidate) => candidate.access.public)) {
      const path = requestPath(route);
      const without = await request(t, route.method, path, { body: bodyFor(route) });
      const withKey = await request(t, route.method, path, {
        body: bodyFor(route),
        headers: { 'x-api-key': everything },
      });
      if (without.status !== withKey.status)
        problems.push(`${route.key}: ${without.status} without the key, ${withKey.status} with it`);
    }
    expect(problems).toEqual([]);
  });

  it('every non-public route answers 401 to a forged, revoked, expired, foreign-environment or doubled key', async () => {
    const [, , publicId, ...rest] = everything.split('_');
    const secret = rest.join('_');
    const revoked = await createApiKey(t, owner, ['products.read']);
    expect(
      (await request(t, 'DELETE', `/api/api-keys/${revoked.id}`, { token: owner.owner.token }))
        .status,
    ).toBe(200);
    const expired = await createApiKey(t, owner, ['products.read']);
    await t.app
      .get(DataSource)
      .getRepository(ApiKey)
      .update({ id: expired.id }, { expiresAt: new Date(Date.now() - 1000) });
    const credentials: [string, RequestOptions][] = [
      ['garbage', { headers: { 'x-api-key': 'garbage' } }],
      ['an empty X-API-Key', { headers: { 'x-api-key': '' } }],
      ['a forged public id', { headers: { 'x-api-key': `sk_test_${'f'.repeat(24)}_${secret}` } }],
      [
        'a wrong secret',
        { authorization: `Bearer sk_test_${publicId}_${secret.slice(1)}${secret[0]}` },
      ],
      [
        'a live key on a test server',
        { headers: { 'x-api-key': `sk_live_${publicId}_${secret}` } },
      ],
      ['a revoked key', { headers: { 'x-api-key': revoked.key } }],
      ['an expired key', { authorization: `Bearer ${expired.key}` }],
      [
        'a key beside a bearer token',
        { token: owner.owner.token, headers: { 'x-api-key': everything } },
      ],
    ];
    const problems: string[] = [];
    for (const route of routes.filter((candidate) => !candidate.access.public)) {
      for (const [name, options] of credentials) {
        const result = await request(t, route.method, requestPath(route), {
          ...options,
          body: bodyFor(route),
        });
        if (result.status !== 401 || result.bodyOrNull?.error !== 'UNAUTHORIZED')
          problems.push(`${name}: ${result.describe()}`);
      }
    }
    expect(problems).toEqual([]);
    // Control: the key all the forgeries were made from is accepted.
    expect(
      (await request(t, 'GET', '/api/auth/me', { headers: { 'x-api-key': everything } })).status,
    ).toBe(200);
  });
});

/** Routes that read no principal, so that only the guard's own decision can refuse a key. */
@Controller('key-probe')
class KeyProbeController {
  @Get('person')
  @Authenticated()
  person(): string {
    return 'a person only';
  }

  @Get('platform')
  @PlatformOnly()
  platform(): string {
    return 'platform only';
  }

  @Get('keys-too')
  @Authenticated({ apiKey: true })
  keysToo(): string {
    return 'ok';
  }
}

@Module({ controllers: [KeyProbeController] })
class KeyProbeModule {}

describe('route guards: the guard itself keeps keys off routes that do not let them in', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp({ extraImports: [KeyProbeModule] });
    key = (await createApiKey(t, await createTenant(t), API_KEY_PERMISSIONS)).key;
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a key on @Authenticated() and @PlatformOnly() routes and admits it on @Authenticated({ apiKey: true })', async () => {
    const outcomes: Record<string, string> = {};
    for (const path of ['person', 'platform', 'keys-too']) {
      const result = await request(t, 'GET', `/api/key-probe/${path}`, {
        headers: { 'x-api-key': key },
      });
      outcomes[path] =
        `${result.status} ${result.bodyOrNull?.error ?? String(result.bodyOrNull?.data)}`;
    }
    expect(outcomes).toEqual({
      person: '403 FORBIDDEN',
      platform: '403 FORBIDDEN',
      'keys-too': '200 ok',
    });
  });
});
