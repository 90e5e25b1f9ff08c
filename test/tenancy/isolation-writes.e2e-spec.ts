import { request } from '../support/api-client';
import { FORBIDDEN_FIELDS, IsolationWalk, problemOf } from '../support/isolation-walk';
import { type ApiOperation, exampleBody, fillPath } from '../support/openapi';
import { freshPathValues, logIn } from '../support/tenants';

/**
 * Over every route of the app: fields that name a tenant, roles, ids or timestamps in a body
 * are refused, and a token used with another organization's X-Tenant-ID or subdomain is a 403.
 * Both organizations' data is read back after each walk: nothing changed.
 */
describe('tenant isolation over every route: bodies and tenant naming', () => {
  let w: IsolationWalk;

  beforeAll(async () => {
    w = await IsolationWalk.start();
  });
  afterAll(async () => {
    await w.close();
  });

  it('organizationId, roles, id or createdAt in a body are refused (400) and change nothing', async () => {
    const written = w.operations.filter(
      (operation) => operation.bodySchema && ['POST', 'PUT', 'PATCH'].includes(operation.method),
    );
    const plans: { operation: ApiOperation; path: string; token?: string }[] = [];
    for (const operation of written) {
      const routeAccess = w.accessOf(operation);
      const token = routeAccess.public
        ? undefined
        : w.adminMayCall(operation)
          ? w.a.owner.token
          : routeAccess.platformOnly
            ? w.superuser.token
            : null;
      if (token === null) throw new Error(`${operation.key}: no caller for its requirement`);
      const path = fillPath(
        operation.path,
        await freshPathValues(operation.path, { t: w.t, tenant: w.a, caller: w.a.owner }),
      );
      plans.push({ operation, path, token });
    }
    const beforeA = await w.snapshot(w.a.owner);
    const beforeB = await w.snapshot(w.b.owner);

    const problems: string[] = [];
    let attempts = 0;
    for (const { operation, path, token } of plans) {
      const schema = operation.bodySchema ?? {};
      const base = exampleBody(w.doc, schema);
      // The injected field at the top level, and inside each nested object (register's organization).
      const targets: {
        prefix: string;
        properties: string[];
        inject: (field: string, value: unknown) => Record<string, unknown>;
      }[] = [
        {
          prefix: '',
          properties: Object.keys(schema.properties ?? {}),
          inject: (field, value) => ({ ...base, [field]: value }),
        },
      ];
      for (const [property, value] of Object.entries(base)) {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
        const nested = schema.properties?.[property];
        const nestedSchema =
          nested && '$ref' in nested
            ? w.doc.components?.schemas?.[nested.$ref.split('/').pop() ?? '']
            : nested;
        if (!nestedSchema || '$ref' in nestedSchema || !nestedSchema.properties) continue;
        targets.push({
          prefix: `${property}.`,
          properties: Object.keys(nestedSchema.properties),
          inject: (field, injected) => ({ ...base, [property]: { ...value, [field]: injected } }),
        });
      }
      for (const target of targets) {
        for (const [field, value] of Object.entries(FORBIDDEN_FIELDS(w.b))) {
          if (target.properties.includes(field)) continue; // legitimately part of this DTO (roles on POST /api/users)
          attempts += 1;
          const result = await request(w.t, operation.method, path, {
            token,
            body: target.inject(field, value),
            headers: token ? {} : { 'x-tenant-id': w.a.subdomain },
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
    expect(await w.snapshot(w.a.owner)).toEqual(beforeA);
    expect(await w.snapshot(w.b.owner)).toEqual(beforeB);
  });

  it("a valid token with another organization's X-Tenant-ID or subdomain is a 403 on every route", async () => {
    const session = await logIn(w.t, w.a.owner);
    const plans: { operation: ApiOperation; path: string; body?: Record<string, unknown> }[] = [];
    for (const operation of w.operations.filter((op) => !w.isPublic(op))) {
      const path = fillPath(
        operation.path,
        await freshPathValues(operation.path, { t: w.t, tenant: w.a, caller: session }),
      );
      plans.push({
        operation,
        path,
        body: operation.bodySchema ? exampleBody(w.doc, operation.bodySchema) : undefined,
      });
    }
    const beforeA = await w.snapshot(w.a.owner);
    const beforeB = await w.snapshot(w.b.owner);

    const naming: [string, { headers?: Record<string, string>; host?: string }][] = [
      ["X-Tenant-ID: B's subdomain", { headers: { 'x-tenant-id': w.b.subdomain } }],
      ["X-Tenant-ID: B's id", { headers: { 'x-tenant-id': w.b.id } }],
      [
        "X-Tenant-ID: B's subdomain in capitals",
        { headers: { 'x-tenant-id': w.b.subdomain.toUpperCase() } },
      ],
      ["Host: B's subdomain", { host: `${w.b.subdomain}.localhost` }],
      ["Host: B's subdomain in capitals", { host: `${w.b.subdomain.toUpperCase()}.localhost` }],
    ];
    const problems: string[] = [];
    for (const { operation, path, body } of plans) {
      for (const [name, options] of naming) {
        const result = await request(w.t, operation.method, path, {
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
        await request(w.t, 'GET', '/api/auth/me', {
          token: session.token,
          headers: { 'x-tenant-id': w.a.subdomain },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await request(w.t, 'GET', '/api/auth/me', {
          token: session.token,
          host: `${w.a.subdomain}.localhost`,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await request(w.t, 'GET', '/api/auth/me', {
          token: session.token,
          host: `${w.b.subdomain}.localhost`,
          headers: { 'x-tenant-id': w.a.subdomain },
        })
      ).status,
    ).toBe(200);
    expect(await w.snapshot(w.a.owner)).toEqual(beforeA);
    expect(await w.snapshot(w.b.owner)).toEqual(beforeB);
  });
});
