import type { OpenAPIObject } from '@nestjs/swagger';
import { me, request } from './api-client';
import {
  forbiddenFields,
  injectionTargets,
  leaks,
  problemOf,
  UUID,
  WalkReader,
} from './isolation-reads';
import { type ApiOperation, apiOperations, exampleBody, fetchOpenApi, fillPath } from './openapi';
import { keyMayCall, nestRoutes } from './routes';
import {
  type Account,
  createApiKey,
  createProduct,
  createRole,
  createSuperuser,
  createTenant,
  createUser,
  freshPathValues,
  logIn,
  type Tenant,
  WALK_ENV,
} from './tenants';
import { startTestApp, type TestApp } from './test-app';
import { API_KEY_PERMISSIONS } from '../../src/security/permissions';

/**
 * Organization A's admin, or an API key of A holding every permission a key can hold, walks
 * every route of the app, read from the OpenAPI document, against organization B's data. Another organization's id is a 404 (never a 403,
 * never the row), lists and totals hold only A's rows, fields that name a tenant, roles, ids
 * or timestamps are refused, and a token used with another organization's X-Tenant-ID or
 * subdomain is a 403. B's data is read back as B after each walk: nothing changed.
 * The only explicit list is ID_FIXTURES (test/support/tenants.ts): how to make a row for each
 * `:id` route. A new `:id` route without a fixture fails here.
 */

/** Who walks: A's admin with an access token, or A's API key with every grantable permission. */
export type IsolationCaller = 'admin token' | 'API key';

export function describeIsolationWalk(callerKind: IsolationCaller): void {
  describe(`tenant isolation over every route, as ${callerKind === 'API key' ? 'an' : 'a'} ${callerKind}`, () => {
    let t: TestApp;
    let doc: OpenAPIObject;
    let operations: ApiOperation[];
    let reader: WalkReader;
    let a: Tenant;
    let b: Tenant;
    let superuser: Account;
    /** The walker: A's owner, or A's key (its owner's account with the key as the credential). */
    let caller: Account;
    /** One row of each kind per organization, made before any walk. */
    interface Rows {
      user: string;
      role: string;
      roleName: string;
      product?: string;
      sku?: string;
      session: string;
    }
    const rows = {} as Record<'a' | 'b', Rows>;

    /** Whether the walker gets past the guard on this route. */
    const callerMayCall = (operation: ApiOperation) =>
      callerKind === 'API key'
        ? keyMayCall(reader.accessOf(operation))
        : reader.adminMayCall(operation);
    const hasProducts = () =>
      operations.some((operation) => operation.key === 'POST /api/products');

    beforeAll(async () => {
      t = await startTestApp({ env: WALK_ENV });
      doc = await fetchOpenApi(t);
      operations = apiOperations(doc);
      reader = new WalkReader(
        t,
        operations,
        new Map(nestRoutes(t.app).map((route) => [route.key, route.access])),
      );
      a = await createTenant(t, 'alpha');
      b = await createTenant(t, 'bravo');
      superuser = await createSuperuser(t);
      caller =
        callerKind === 'API key'
          ? (await createApiKey(t, a, API_KEY_PERMISSIONS)).account
          : a.owner;
      for (const [name, tenant] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const user = await createUser(t, tenant, ['staff']);
        const role = await createRole(t, tenant, ['products.read', 'users.read']);
        const product = hasProducts() ? await createProduct(t, tenant) : undefined;
        rows[name] = {
          user: user.id,
          role: role.id,
          roleName: role.name,
          product: product?.id,
          sku: product?.sku,
          session: tenant.owner.sessionId,
        };
      }
    });
    afterAll(async () => {
      await t.close();
    });

    it('reads the routes from the OpenAPI document (sanity check of the walk itself)', () => {
      expect(operations.length).toBeGreaterThan(20);
      expect(
        operations.filter((operation) => operation.pathParams.length > 0).length,
      ).toBeGreaterThanOrEqual(5);
      expect(reader.readableOperations().map((operation) => operation.key)).toEqual(
        expect.arrayContaining(['GET /api/users', 'GET /api/roles', 'GET /api/audit-logs']),
      );
    });

    it("lists, counts and totals hold only the caller's rows, whatever the filters", async () => {
      const bTraces = await reader.tracesOf(b);
      // Control: B's own reads do show B's rows, so their absence from A's reads means something.
      const bRows = [
        rows.b.user,
        rows.b.role,
        rows.b.session,
        ...(rows.b.product ? [rows.b.product] : []),
      ];
      expect(bRows.filter((id) => !bTraces.has(id))).toEqual([]);
      // Those of A's rows whose list the walker may read.
      const listOf = (key: string) => operations.find((operation) => operation.key === key);
      const readable = (key: string) => {
        const list = listOf(key);
        return list !== undefined && callerMayCall(list);
      };
      const aRows = [
        ...(readable('GET /api/users') ? [rows.a.user] : []),
        ...(readable('GET /api/roles') ? [rows.a.role] : []),
        ...(readable('GET /api/auth/sessions') ? [rows.a.session] : []),
        ...(rows.a.product && readable('GET /api/products') ? [rows.a.product] : []),
      ];
      expect(aRows.length).toBeGreaterThan(0);

      const problems: string[] = [];
      const aSeen = new Set<string>();
      for (const operation of operations.filter(
        (op) => op.method === 'GET' && op.pathParams.length === 0 && !reader.isPublic(op),
      )) {
        if (!callerMayCall(operation)) {
          const refused = await request(t, 'GET', operation.path, { token: caller.token });
          const problem = problemOf(refused, 403, 'FORBIDDEN');
          if (problem) problems.push(`${problem}: ${refused.describe()}`);
          continue;
        }
        const read = await reader.readAll(caller, operation);
        if (read.status !== 200) {
          problems.push(`${operation.key} -> ${read.status} ${read.text.slice(0, 200)}`);
          continue;
        }
        for (const match of read.text.matchAll(UUID)) aSeen.add(match[0].toLowerCase());
        const leaked = leaks(read.text, bTraces);
        if (leaked.length) problems.push(`${operation.key} shows B's ${leaked.join(', ')}`);
        if (read.items) {
          if (read.total !== read.items.length)
            problems.push(
              `${operation.key}: pagination.total ${read.total} but ${read.items.length} rows`,
            );
          const foreign = read.items.filter((item) => {
            const organizationId = (item as { organizationId?: unknown }).organizationId;
            return organizationId !== undefined && organizationId !== a.id;
          });
          if (foreign.length)
            problems.push(`${operation.key}: ${foreign.length} rows of another organizationId`);
        }

        // A query string cannot pick the tenant either: unknown parameters are refused.
        if (operation.queryParams.length > 0) {
          for (const name of ['organizationId', 'tenantId']) {
            const sneaky = await request(t, 'GET', `${operation.path}?${name}=${b.id}`, {
              token: caller.token,
            });
            const problem = problemOf(sneaky, 400, 'VALIDATION_ERROR');
            if (problem) problems.push(`${problem}: ${sneaky.describe()}`);
          }
        }

        // Every free-text or id filter, given B's values: nothing of B comes back.
        const filters = operation.queryParams.filter(
          (parameter) => !['page', 'limit', 'order', 'sort'].includes(parameter.name),
        );
        const values = [
          b.marker,
          b.owner.email,
          b.id,
          rows.b.user,
          rows.b.roleName,
          ...(rows.b.sku ? [rows.b.sku] : []),
        ];
        for (const filter of filters) {
          for (const value of values) {
            const filtered = await reader.readAll(caller, operation, { [filter.name]: value });
            const where = `${operation.key}?${filter.name}=${value}`;
            if (filtered.status === 400) continue; // the value does not fit the filter (a uuid, a date, an enum)
            if (filtered.status !== 200) problems.push(`${where} -> ${filtered.status}`);
            const leakedByFilter = leaks(filtered.text, bTraces);
            if (leakedByFilter.length)
              problems.push(`${where} shows B's ${leakedByFilter.join(', ')}`);
            if (filtered.items && filtered.total !== filtered.items.length)
              problems.push(`${where}: total ${filtered.total} but ${filtered.items.length} rows`);
          }
        }
      }
      expect(problems).toEqual([]);
      // Control: A's reads do list A's rows.
      expect(aRows.filter((id) => !aSeen.has(id))).toEqual([]);
    });

    it("another organization's id is a 404 on every route with a path parameter, and B's rows stay as they were", async () => {
      const walked = operations.filter(
        (operation) => operation.pathParams.length > 0 && !reader.isPublic(operation),
      );
      // B's rows first (one fresh row per call, so a DELETE that got through cannot hide a PATCH that did).
      const foreign = new Map<string, Record<string, string>>();
      for (const operation of walked)
        foreign.set(
          operation.key,
          await freshPathValues(operation.path, { t, tenant: b, caller: b.owner }),
        );
      const bTraces = await reader.tracesOf(b);
      const before = await reader.snapshot(b.owner);

      const problems: string[] = [];
      for (const operation of walked) {
        const values = foreign.get(operation.key) ?? {};
        const path = fillPath(operation.path, values);
        const body = operation.bodySchema ? exampleBody(doc, operation.bodySchema) : undefined;
        const result = await request(t, operation.method, path, { token: caller.token, body });
        // A route the walker may not call at all refuses before looking anything up.
        const problem = callerMayCall(operation)
          ? problemOf(result, 404, 'NOT_FOUND')
          : problemOf(result, 403, 'FORBIDDEN');
        if (problem) problems.push(`${problem}: ${result.describe()}`);
        const leaked = leaks(result.text, bTraces, Object.values(values));
        if (leaked.length)
          problems.push(`${operation.key} with B's id shows B's ${leaked.join(', ')}`);

        // Control: the same call on a row of A's own reaches the row (the 404 above came from scoping).
        const ownPath = fillPath(
          operation.path,
          await freshPathValues(operation.path, { t, tenant: a, caller: a.owner }),
        );
        const own = await request(t, operation.method, ownPath, {
          token: caller.token,
          body: operation.bodySchema ? exampleBody(doc, operation.bodySchema) : undefined,
        });
        const expectedOwn = callerMayCall(operation)
          ? own.status >= 200 && own.status < 300
          : own.status === 403;
        if (!expectedOwn) problems.push(`control on A's own row: ${own.describe()}`);
      }
      expect(problems).toEqual([]);
      expect(await reader.snapshot(b.owner)).toEqual(before);
      expect((await me(t, b.owner.token)).status).toBe(200);
    });

    it('organizationId, roles, id or createdAt in a body are refused (400) and change nothing', async () => {
      const written = operations.filter(
        (operation) => operation.bodySchema && ['POST', 'PUT', 'PATCH'].includes(operation.method),
      );
      const plans: { operation: ApiOperation; path: string; token?: string }[] = [];
      for (const operation of written) {
        const routeAccess = reader.accessOf(operation);
        const token = routeAccess.public
          ? undefined
          : callerMayCall(operation)
            ? caller.token
            : reader.adminMayCall(operation)
              ? a.owner.token
              : routeAccess.platformOnly
                ? superuser.token
                : null;
        if (token === null) throw new Error(`${operation.key}: no caller for its requirement`);
        const path = fillPath(
          operation.path,
          await freshPathValues(operation.path, { t, tenant: a, caller: a.owner }),
        );
        plans.push({ operation, path, token });
      }
      const beforeA = await reader.snapshot(a.owner);
      const beforeB = await reader.snapshot(b.owner);

      const problems: string[] = [];
      let attempts = 0;
      for (const { operation, path, token } of plans) {
        const schema = operation.bodySchema ?? {};
        const base = exampleBody(doc, schema);
        const targets = injectionTargets(doc, schema, base);
        for (const target of targets) {
          for (const [field, value] of Object.entries(forbiddenFields(b))) {
            if (target.properties.includes(field)) continue; // legitimately part of this DTO (roles on POST /api/users)
            attempts += 1;
            const result = await request(t, operation.method, path, {
              token,
              body: target.inject(field, value),
              headers: token ? {} : { 'x-tenant-id': a.subdomain },
            });
            const where = `${operation.key} with ${target.prefix}${field}`;
            const problem = problemOf(result, 400, 'VALIDATION_ERROR');
            if (problem) {
              problems.push(`${where}: ${problem}: ${result.describe()}`);
              continue;
            }
            const fields = (result.body.details ?? []).map((detail) => detail.field);
            // Only the injected field is wrong: the rest of the body was valid, so it is what was refused.
            if (fields.length === 0 || fields.some((name) => name !== `${target.prefix}${field}`)) {
              problems.push(`${where}: details name ${JSON.stringify(fields)}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
      expect(attempts).toBeGreaterThan(50);
      expect(await reader.snapshot(a.owner)).toEqual(beforeA);
      expect(await reader.snapshot(b.owner)).toEqual(beforeB);
    });

    it("a valid token with another organization's X-Tenant-ID or subdomain is a 403 on every route", async () => {
      const session = callerKind === 'API key' ? caller : await logIn(t, a.owner);
      const plans: { operation: ApiOperation; path: string; body?: Record<string, unknown> }[] = [];
      for (const operation of operations.filter((op) => !reader.isPublic(op))) {
        const path = fillPath(
          operation.path,
          await freshPathValues(operation.path, { t, tenant: a, caller: session }),
        );
        plans.push({
          operation,
          path,
          body: operation.bodySchema ? exampleBody(doc, operation.bodySchema) : undefined,
        });
      }
      const beforeA = await reader.snapshot(a.owner);
      const beforeB = await reader.snapshot(b.owner);

      const naming: [string, { headers?: Record<string, string>; host?: string }][] = [
        ["X-Tenant-ID: B's subdomain", { headers: { 'x-tenant-id': b.subdomain } }],
        ["X-Tenant-ID: B's id", { headers: { 'x-tenant-id': b.id } }],
        [
          "X-Tenant-ID: B's subdomain in capitals",
          { headers: { 'x-tenant-id': b.subdomain.toUpperCase() } },
        ],
        ["Host: B's subdomain", { host: `${b.subdomain}.localhost` }],
        ["Host: B's subdomain in capitals", { host: `${b.subdomain.toUpperCase()}.localhost` }],
      ];
      const problems: string[] = [];
      for (const { operation, path, body } of plans) {
        for (const [name, options] of naming) {
          const result = await request(t, operation.method, path, {
            token: session.token,
            body,
            ...options,
          });
          const problem = problemOf(result, 403, 'TENANT_MISMATCH');
          if (problem) problems.push(`${name}: ${problem}: ${result.describe()}`);
        }
      }
      expect(problems).toEqual([]);
      // Controls: naming one's own organization, either way, is fine (and X-Tenant-ID wins over Host).
      expect(
        (
          await request(t, 'GET', '/api/auth/me', {
            token: session.token,
            headers: { 'x-tenant-id': a.subdomain },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await request(t, 'GET', '/api/auth/me', {
            token: session.token,
            host: `${a.subdomain}.localhost`,
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await request(t, 'GET', '/api/auth/me', {
            token: session.token,
            host: `${b.subdomain}.localhost`,
            headers: { 'x-tenant-id': a.subdomain },
          })
        ).status,
      ).toBe(200);
      expect(await reader.snapshot(a.owner)).toEqual(beforeA);
      expect(await reader.snapshot(b.owner)).toEqual(beforeB);
    });
  });
}
