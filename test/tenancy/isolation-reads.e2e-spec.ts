import { me, request } from '../support/api-client';
import { IsolationWalk, leaks, problemOf, UUID } from '../support/isolation-walk';
import { exampleBody, fillPath } from '../support/openapi';
import { freshPathValues } from '../support/tenants';

/**
 * Organization A's admin reads every route of the app, read from the OpenAPI document, against
 * organization B's data: lists and totals hold only A's rows whatever the filters, and another
 * organization's id is a 404 (never a 403, never the row). B's data is read back as B after the
 * walk: nothing changed. A new `:id` route without a fixture in ID_FIXTURES fails here.
 */
describe('tenant isolation over every route: reads and ids', () => {
  let w: IsolationWalk;

  beforeAll(async () => {
    w = await IsolationWalk.start();
  });
  afterAll(async () => {
    await w.close();
  });

  it('reads the routes from the OpenAPI document (sanity check of the walk itself)', () => {
    expect(w.operations.length).toBeGreaterThan(20);
    expect(
      w.operations.filter((operation) => operation.pathParams.length > 0).length,
    ).toBeGreaterThanOrEqual(5);
    expect(w.readableOperations().map((operation) => operation.key)).toEqual(
      expect.arrayContaining(['GET /api/users', 'GET /api/roles', 'GET /api/audit-logs']),
    );
  });

  it("lists, counts and totals hold only the caller's w.rows, whatever the filters", async () => {
    const bTraces = await w.tracesOf(w.b);
    // Control: B's own reads do show B's w.rows, so their absence from A's reads means something.
    const bRows = [
      w.rows.b.user,
      w.rows.b.role,
      w.rows.b.session,
      ...(w.rows.b.product ? [w.rows.b.product] : []),
    ];
    expect(bRows.filter((id) => !bTraces.has(id))).toEqual([]);
    const aRows = [
      w.rows.a.user,
      w.rows.a.role,
      w.rows.a.session,
      ...(w.rows.a.product ? [w.rows.a.product] : []),
    ];

    const problems: string[] = [];
    const aSeen = new Set<string>();
    for (const operation of w.operations.filter(
      (op) => op.method === 'GET' && op.pathParams.length === 0 && !w.isPublic(op),
    )) {
      if (!w.adminMayCall(operation)) {
        const refused = await request(w.t, 'GET', operation.path, { token: w.a.owner.token });
        const problem = problemOf(refused, 403, 'FORBIDDEN');
        if (problem) problems.push(`${problem}: ${refused.describe()}`);
        continue;
      }
      const read = await w.readAll(w.a.owner, operation);
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
          return organizationId !== undefined && organizationId !== w.a.id;
        });
        if (foreign.length)
          problems.push(`${operation.key}: ${foreign.length} w.rows of another organizationId`);
      }

      // A query string cannot pick the tenant either: unknown parameters are refused.
      if (operation.queryParams.length > 0) {
        for (const name of ['organizationId', 'tenantId']) {
          const sneaky = await request(w.t, 'GET', `${operation.path}?${name}=${w.b.id}`, {
            token: w.a.owner.token,
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
        w.b.marker,
        w.b.owner.email,
        w.b.id,
        w.rows.b.user,
        w.rows.b.roleName,
        ...(w.rows.b.sku ? [w.rows.b.sku] : []),
      ];
      for (const filter of filters) {
        for (const value of values) {
          const filtered = await w.readAll(w.a.owner, operation, { [filter.name]: value });
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
    // Control: A's reads do list A's w.rows.
    expect(aRows.filter((id) => !aSeen.has(id))).toEqual([]);
  });

  it("another organization's id is a 404 on every route with a path parameter, and B's w.rows stay as they were", async () => {
    const walked = w.operations.filter(
      (operation) => operation.pathParams.length > 0 && !w.isPublic(operation),
    );
    // B's w.rows first (one fresh row per call, so a DELETE that got through cannot hide a PATCH that did).
    const foreign = new Map<string, Record<string, string>>();
    for (const operation of walked)
      foreign.set(
        operation.key,
        await freshPathValues(operation.path, { t: w.t, tenant: w.b, caller: w.b.owner }),
      );
    const bTraces = await w.tracesOf(w.b);
    const before = await w.snapshot(w.b.owner);

    const problems: string[] = [];
    for (const operation of walked) {
      const values = foreign.get(operation.key) ?? {};
      const path = fillPath(operation.path, values);
      const body = operation.bodySchema ? exampleBody(w.doc, operation.bodySchema) : undefined;
      const result = await request(w.t, operation.method, path, { token: w.a.owner.token, body });
      // A route A's admin may not call at all (w.superuser only) refuses before looking anything up.
      const problem = w.adminMayCall(operation)
        ? problemOf(result, 404, 'NOT_FOUND')
        : problemOf(result, 403, 'FORBIDDEN');
      if (problem) problems.push(`${problem}: ${result.describe()}`);
      const leaked = leaks(result.text, bTraces, Object.values(values));
      if (leaked.length)
        problems.push(`${operation.key} with B's id shows B's ${leaked.join(', ')}`);

      // Control: the same call on a row of A's own reaches the row (the 404 above came from scoping).
      const ownPath = fillPath(
        operation.path,
        await freshPathValues(operation.path, { t: w.t, tenant: w.a, caller: w.a.owner }),
      );
      const own = await request(w.t, operation.method, ownPath, {
        token: w.a.owner.token,
        body: operation.bodySchema ? exampleBody(w.doc, operation.bodySchema) : undefined,
      });
      const expectedOwn = w.adminMayCall(operation)
        ? own.status >= 200 && own.status < 300
        : own.status === 403;
      if (!expectedOwn) problems.push(`control on A's own row: ${own.describe()}`);
    }
    expect(problems).toEqual([]);
    expect(await w.snapshot(w.b.owner)).toEqual(before);
    expect((await me(w.t, w.b.owner.token)).status).toBe(200);
  });
});
