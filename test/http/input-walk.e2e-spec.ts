import type { OpenAPIObject } from '@nestjs/swagger';
import { type ApiResponse, request, type RequestOptions } from '../support/api-client';
import {
  type BadInput,
  type JsonBodyCase,
  pathCases,
  propertyCases,
  type QueryCase,
  queryCases,
  rawBodyCases,
  tenantHintCases,
  wholeBodyCases,
} from '../support/bad-input';
import { type ApiOperation, apiOperations, fetchOpenApi, fillPath } from '../support/openapi';
import { nestRoutes, type RouteAccess } from '../support/routes';
import {
  type Account,
  createSuperuser,
  createTenant,
  freshPathValues,
  logIn,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Every route of the app, read from the OpenAPI document, gets oversized, deeply nested,
 * wrongly typed and boundary input, sent by a caller who is allowed to call it (a tenant admin
 * holds every permission; platform routes get a superuser) with real ids in the path, so that
 * only the bad input stands between the request and the handler. Nothing may answer 5xx, and
 * every refusal is the error envelope with the request id.
 */

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function problemOf(kase: BadInput, result: ApiResponse): string | null {
  if (result.status >= 500) return `${result.status}`;
  if (result.status < 400) return kase.expect === 'invalid' ? `accepted (${result.status})` : null;
  const body = result.bodyOrNull;
  if (!body || body.success !== false || typeof body.error !== 'string')
    return 'not the error envelope';
  if (body.statusCode !== result.status) return `statusCode ${String(body.statusCode)}`;
  if (typeof body.requestId !== 'string' || body.requestId !== result.headers.get('x-request-id'))
    return 'no request id matching X-Request-Id';
  if (kase.code && body.error !== kase.code) return `${body.error}, expected ${kase.code}`;
  // The caller may call the route, so a refusal by the guard means the input went untested.
  if (kase.expect === 'invalid' && (result.status === 401 || result.status === 403))
    return 'refused before validation: the walk sent the wrong caller';
  return null;
}

describe('bad input over every route never reaches a 500', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let operations: ApiOperation[];
  let access: Map<string, RouteAccess>;
  let tenant: Tenant;
  let superuser: Account;

  interface Caller {
    options: RequestOptions;
    /** Fresh real values for the path parameters. */
    path: Record<string, string>;
  }

  /** A fresh session allowed to call the route (earlier cases may have logged out), and fresh ids. */
  async function callerFor(operation: ApiOperation): Promise<Caller> {
    const routeAccess = access.get(operation.key);
    if (!routeAccess) throw new Error(`${operation.key} is documented but not routed`);
    if (routeAccess.public)
      return {
        options: { headers: routeAccess.public.tenant ? { 'x-tenant-id': tenant.subdomain } : {} },
        path: {},
      };
    const owner = await logIn(t, tenant.owner);
    const account = routeAccess.platformOnly ? await logIn(t, superuser) : owner;
    const path = await freshPathValues(operation.path, {
      t,
      tenant: { ...tenant, owner },
      caller: account,
    });
    return { options: { token: account.token }, path };
  }

  async function walk<Case extends BadInput>(
    selected: ApiOperation[],
    casesOf: (operation: ApiOperation) => Case[],
    send: (operation: ApiOperation, caller: Caller, kase: Case) => [string, RequestOptions],
  ): Promise<{ problems: string[]; sent: number }> {
    const problems: string[] = [];
    let sent = 0;
    for (const operation of selected) {
      const caller = await callerFor(operation);
      for (const kase of casesOf(operation)) {
        const [path, options] = send(operation, caller, kase);
        const result = await request(t, operation.method, path, options);
        sent += 1;
        const problem = problemOf(kase, result);
        if (problem)
          problems.push(`${operation.key} with ${kase.name}: ${problem}: ${result.describe()}`);
      }
    }
    return { problems, sent };
  }

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    doc = await fetchOpenApi(t);
    operations = apiOperations(doc);
    access = new Map(nestRoutes(t.app).map((route) => [route.key, route.access]));
    tenant = await createTenant(t, 'walk');
    superuser = await createSuperuser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads the routes from the OpenAPI document (sanity check of the walk itself)', () => {
    expect(operations.length).toBeGreaterThan(20);
    const keys = operations.map((operation) => operation.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /api/auth/register',
        'POST /api/auth/refresh',
        'GET /api/users',
        'PATCH /api/users/:id',
      ]),
    );
    expect(operations.filter((operation) => operation.bodySchema).length).toBeGreaterThan(8);
    expect(operations.filter((operation) => operation.queryParams.length).length).toBeGreaterThan(
      2,
    );
  });

  it('every numeric query parameter declares a minimum and a maximum', () => {
    const unbounded = operations.flatMap((operation) =>
      operation.queryParams
        .filter((parameter) => {
          const schema = parameter.schema as { type?: string; minimum?: number; maximum?: number };
          return (
            (schema.type === 'integer' || schema.type === 'number') &&
            (schema.minimum === undefined || schema.maximum === undefined)
          );
        })
        .map((parameter) => `${operation.key} ?${parameter.name}`),
    );
    expect(unbounded).toEqual([]);
  });

  it('the body parser refuses deep nesting, foreign media types and oversized bodies on every route that takes a body', async () => {
    const cases = rawBodyCases(t.config.bodyLimitBytes);
    const { problems, sent } = await walk(
      operations.filter((operation) => MUTATING.has(operation.method)),
      (operation) =>
        operation.method === 'DELETE' ? cases.filter((kase) => kase.contentType !== null) : cases,
      (operation, caller, kase) => [
        fillPath(operation.path, caller.path),
        {
          ...caller.options,
          rawBody: kase.raw,
          headers: {
            ...caller.options.headers,
            ...(kase.contentType !== null ? { 'content-type': kase.contentType } : {}),
          },
        },
      ],
    );
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(100);
  });

  it('bodies of the wrong shape or with a wrongly typed property are refused with 400', async () => {
    const cases = new Map<string, JsonBodyCase[]>();
    for (const operation of operations) {
      if (operation.bodySchema)
        cases.set(operation.key, [
          ...wholeBodyCases(),
          ...propertyCases(doc, operation.bodySchema),
        ]);
    }
    const { problems, sent } = await walk(
      operations.filter((operation) => cases.has(operation.key)),
      (operation) => cases.get(operation.key) ?? [],
      (operation, caller, kase) => [
        fillPath(operation.path, caller.path),
        { ...caller.options, body: kase.body },
      ],
    );
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(200);
  });

  it('query parameters out of range, of the wrong type, repeated or unknown are refused with 400', async () => {
    const { problems, sent } = await walk(
      operations.filter((operation) => operation.queryParams.length > 0),
      (operation) => [
        ...operation.queryParams.flatMap(queryCases),
        ...['unknown', '__proto__', 'constructor', 'toString', 'hasOwnProperty'].map(
          (name): QueryCase => ({
            name: `an unknown parameter ${name}`,
            query: `${name}=1`,
            expect: 'invalid',
            code: 'VALIDATION_ERROR',
          }),
        ),
      ],
      (operation, caller, kase) => [
        `${fillPath(operation.path, caller.path)}?${kase.query}`,
        caller.options,
      ],
    );
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(50);
  });

  it('path parameters that are not ids get a 4xx', async () => {
    const { problems, sent } = await walk(
      operations.filter((operation) => operation.pathParams.length > 0),
      () => pathCases(),
      (operation, caller, kase) => [
        operation.path.replace(/:([A-Za-z0-9_]+)/g, kase.segment),
        {
          ...caller.options,
          ...(operation.bodySchema ? { body: {} } : {}),
        },
      ],
    );
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(40);
  });

  it('tenant hints that name no organization never reach a 500', async () => {
    const port = new URL(t.baseUrl).port;
    const { problems, sent } = await walk(
      operations,
      () => tenantHintCases(port),
      (operation, caller, kase) => [
        fillPath(operation.path, caller.path),
        {
          ...caller.options,
          headers: { ...caller.options.headers, ...kase.headers },
          ...(MUTATING.has(operation.method) ? { body: {} } : {}),
        },
      ],
    );
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(100);
  });
});
