import type { OpenAPIObject } from '@nestjs/swagger';
import {
  BUILT_IN_ROLES,
  type BuiltInRoleName,
  type Permission,
  SUPERUSER_ROLE,
} from '../src/security/permissions';
import { PASSWORD } from './support/auth';
import {
  type ApiOperation,
  apiOperations,
  call,
  describeCall,
  exampleBody,
  fetchOpenApi,
  fillPath,
  type NestRoute,
  nestRoutes,
  type RouteAccess,
} from './support/routes';
import {
  type Account,
  createRole,
  createSuperuser,
  createTenant,
  createUser,
  freshPathValues,
  logIn,
  type Tenant,
  WALK_ENV,
} from './support/tenants';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Each built-in role against each endpoint, cell by cell.
 *
 * The table below is the contract, written out so that a reader sees who may do what. It is
 * checked three ways: it lists exactly the app's non-public routes; every cell agrees with what
 * the route declares (@Permissions / @Roles / @Authenticated) and what the role grants
 * (src/security/permissions.ts), so neither can drift from the other; and every cell is called
 * by a fresh user holding only that role, on fresh rows, so cells cannot depend on each other.
 * `superuser` is the platform account: it stands outside every tenant.
 */
const TABLE = `
  endpoint                              admin  staff  client  superuser
  GET    /api/audit-logs                2xx    403    403     403
  POST   /api/auth/change-password      2xx    2xx    2xx     403
  POST   /api/auth/logout               2xx    2xx    2xx     2xx
  POST   /api/auth/logout-all           2xx    2xx    2xx     2xx
  GET    /api/auth/me                   2xx    2xx    2xx     2xx
  GET    /api/auth/sessions             2xx    2xx    2xx     2xx
  DELETE /api/auth/sessions/:id         2xx    2xx    2xx     2xx
  GET    /api/organizations             403    403    403     2xx
  PATCH  /api/organizations/:id         403    403    403     2xx
  GET    /api/organizations/current     2xx    2xx    2xx     403
  PATCH  /api/organizations/current     2xx    403    403     403
  GET    /api/platform/jobs/failed      403    403    403     2xx
  POST   /api/platform/jobs/:id/retry   403    403    403     2xx
  GET    /api/products                  2xx    2xx    2xx     403
  POST   /api/products                  2xx    2xx    403     403
  DELETE /api/products/:id              2xx    2xx    403     403
  GET    /api/products/:id              2xx    2xx    2xx     403
  PATCH  /api/products/:id              2xx    2xx    403     403
  GET    /api/roles                     2xx    403    403     403
  POST   /api/roles                     2xx    403    403     403
  DELETE /api/roles/:id                 2xx    403    403     403
  GET    /api/roles/:id                 2xx    403    403     403
  PATCH  /api/roles/:id                 2xx    403    403     403
  GET    /api/users                     2xx    2xx    403     403
  POST   /api/users                     2xx    403    403     403
  DELETE /api/users/:id                 2xx    403    403     403
  GET    /api/users/:id                 2xx    2xx    403     403
  PATCH  /api/users/:id                 2xx    403    403     403
  GET    /api/users/me                  2xx    2xx    2xx     403
  PATCH  /api/users/me                  2xx    2xx    2xx     403
`;

type Column = BuiltInRoleName | typeof SUPERUSER_ROLE;
type Cell = '2xx' | '403';
interface Row {
  key: string;
  method: string;
  path: string;
  cells: Record<Column, Cell>;
}

function parseTable(text: string): { columns: Column[]; rows: Row[] } {
  const [header, ...lines] = text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  const columns = header.slice(1) as Column[];
  const rows = lines.map(([method, path, ...cells]) => {
    if (cells.length !== columns.length || cells.some((cell) => cell !== '2xx' && cell !== '403'))
      throw new Error(`Bad table row: ${method} ${path}`);
    return {
      key: `${method} ${path}`,
      method,
      path,
      cells: Object.fromEntries(
        columns.map((column, index) => [column, cells[index] as Cell]),
      ) as Record<Column, Cell>,
    };
  });
  return { columns, rows };
}

const { columns: COLUMNS, rows: ROWS } = parseTable(TABLE);

/** What AccessGuard will decide for a caller holding only this role, from the route's declaration and the role's grants. */
function derivedCell(access: RouteAccess, column: Column): Cell {
  if (column === SUPERUSER_ROLE)
    return access.platformOnly || access.authenticated?.platform ? '2xx' : '403';
  const held: readonly Permission[] = BUILT_IN_ROLES[column].permissions;
  if (access.platformOnly) return '403';
  if (access.permissions.some((permission) => !held.includes(permission as Permission)))
    return '403';
  return '2xx';
}

describe('role table: each built-in role against each endpoint', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let operations: Map<string, ApiOperation>;
  let routes: NestRoute[];
  let org: Tenant;
  let superuser: Account;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    doc = await fetchOpenApi(t);
    operations = new Map(apiOperations(doc).map((operation) => [operation.key, operation]));
    routes = nestRoutes(t.app);
    org = await createTenant(t, 'table');
    superuser = await createSuperuser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('has the built-in roles and the superuser as columns', () => {
    expect(COLUMNS).toEqual([...Object.keys(BUILT_IN_ROLES), SUPERUSER_ROLE]);
  });

  it('lists exactly the non-public routes of the app', () => {
    const guarded = routes.filter((route) => !route.access.public).map((route) => route.key);
    expect(ROWS.map((row) => row.key).sort()).toEqual([...guarded].sort());
  });

  it('agrees, cell by cell, with the routes’ declared requirements and the roles’ grants', () => {
    const byKey = new Map(routes.map((route) => [route.key, route]));
    const disagreements = ROWS.flatMap((row) => {
      const route = byKey.get(row.key);
      if (!route) return [`${row.key}: no such route`];
      return COLUMNS.filter(
        (column) => derivedCell(route.access, column) !== row.cells[column],
      ).map(
        (column) =>
          `${row.key} as ${column}: table says ${row.cells[column]}, the declaration gives ${derivedCell(route.access, column)}`,
      );
    });
    expect(disagreements).toEqual([]);
  });

  /** A fresh caller holding only this role: a new user of the organization, or a new superuser session. */
  const callerFor = (column: Column): Promise<Account> =>
    column === SUPERUSER_ROLE ? logIn(t, superuser) : createUser(t, org, [column]);

  it.each(ROWS.map((row) => [row.key, row] as const))('%s', async (_key, row) => {
    const operation = operations.get(row.key);
    if (!operation) throw new Error(`${row.key} is not in the OpenAPI document`);
    // The cells of a row share nothing (each has its own caller and rows), so they run at once.
    const outcomes = await Promise.all(
      COLUMNS.map(async (column) => {
        const caller = await callerFor(column);
        const path = fillPath(
          row.path,
          await freshPathValues(row.path, { t, tenant: org, caller }),
        );
        const body = operation.bodySchema ? exampleBody(doc, operation.bodySchema) : undefined;
        const result = await call(t, row.method, path, { token: caller.token, body });
        const error = (result.body as { error?: string } | null)?.error;
        const cell =
          result.status >= 200 && result.status < 300
            ? '2xx'
            : result.status === 403 && error === 'FORBIDDEN'
              ? '403'
              : describeCall(row.method, path, result);
        return `${column}: ${cell}`;
      }),
    );
    const expected = COLUMNS.map((column) => `${column}: ${row.cells[column]}`);
    expect(outcomes).toEqual(expected);
  });
});

describe('granting, the last admin, and changes that apply on the next request', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  const userEmails = async (tenant: Tenant): Promise<string[]> => {
    const result = await call(t, 'GET', '/api/users?limit=100', { token: tenant.owner.token });
    return (result.body as { data: { email: string }[] }).data.map((user) => user.email);
  };
  const roleNames = async (tenant: Tenant): Promise<Record<string, string[]>> => {
    const result = await call(t, 'GET', '/api/roles', { token: tenant.owner.token });
    return Object.fromEntries(
      (result.body as { data: { name: string; permissions: string[] }[] }).data.map((role) => [
        role.name,
        role.permissions,
      ]),
    );
  };
  const newUser = (roles: string[]) => ({
    email: `new-${Math.random().toString(36).slice(2, 9)}@example.test`,
    password: PASSWORD,
    firstName: 'New',
    lastName: 'User',
    roles,
  });
  const expectForbidden = (result: Awaited<ReturnType<typeof call>>, what: string) =>
    expect({
      what,
      status: result.status,
      error: (result.body as { error?: string }).error,
    }).toEqual({ what, status: 403, error: 'FORBIDDEN' });
  const expectConflict = (result: Awaited<ReturnType<typeof call>>, what: string) =>
    expect({
      what,
      status: result.status,
      error: (result.body as { error?: string }).error,
    }).toEqual({ what, status: 409, error: 'CONFLICT' });

  it('a user who may create users cannot give them a role with permissions they do not hold', async () => {
    const org = await createTenant(t);
    const recruiterRole = await createRole(t, org, ['users.create', 'users.read']);
    const recruiter = await createUser(t, org, [recruiterRole.name]);
    const before = await userEmails(org);

    for (const roles of [['staff'], ['client'], ['admin'], [recruiterRole.name, 'client']]) {
      const attempt = newUser(roles);
      expectForbidden(
        await call(t, 'POST', '/api/users', { token: recruiter.token, body: attempt }),
        `create with ${roles.join('+')}`,
      );
    }
    expect(await userEmails(org)).toEqual(before);
    // What they hold, they may pass on.
    for (const roles of [[recruiterRole.name], []]) {
      const created = await call(t, 'POST', '/api/users', {
        token: recruiter.token,
        body: newUser(roles),
      });
      expect({ roles, status: created.status }).toEqual({ roles, status: 201 });
    }
  });

  it('a user who may manage roles cannot create or widen a role beyond their own permissions', async () => {
    const org = await createTenant(t);
    const smithRole = await createRole(t, org, ['roles.manage', 'users.read']);
    const other = await createRole(t, org, ['users.read']);
    const smith = await createUser(t, org, [smithRole.name]);
    const roleIds = Object.fromEntries(
      (
        (await call(t, 'GET', '/api/roles', { token: org.owner.token })).body as {
          data: { id: string; name: string }[];
        }
      ).data.map((role) => [role.name, role.id]),
    );
    const before = await roleNames(org);

    expectForbidden(
      await call(t, 'POST', '/api/roles', {
        token: smith.token,
        body: { name: 'reader', permissions: ['products.read'] },
      }),
      'create with products.read',
    );
    expectForbidden(
      await call(t, 'POST', '/api/roles', {
        token: smith.token,
        body: { name: 'auditor', permissions: ['users.read', 'audit.read'] },
      }),
      'create with audit.read',
    );
    expectForbidden(
      await call(t, 'PATCH', `/api/roles/${smithRole.id}`, {
        token: smith.token,
        body: { permissions: ['roles.manage', 'users.read', 'audit.read'] },
      }),
      'widen own role',
    );
    expectForbidden(
      await call(t, 'PATCH', `/api/roles/${other.id}`, {
        token: smith.token,
        body: { permissions: ['users.read', 'users.delete'] },
      }),
      'widen another role',
    );
    expectForbidden(
      await call(t, 'PATCH', `/api/roles/${roleIds.client}`, {
        token: smith.token,
        body: { permissions: ['products.read', 'products.create'] },
      }),
      'widen client',
    );
    expect(await roleNames(org)).toEqual(before);

    // Within their own permissions, they may.
    const created = await call(t, 'POST', '/api/roles', {
      token: smith.token,
      body: { name: 'user-reader', permissions: ['users.read'] },
    });
    expect(created.status).toBe(201);
    const widened = await call(t, 'PATCH', `/api/roles/${other.id}`, {
      token: smith.token,
      body: { permissions: ['users.read', 'roles.manage'] },
    });
    expect(widened.status).toBe(200);
  });

  it('a user who may update users cannot raise anyone, themselves included, above their own permissions', async () => {
    const org = await createTenant(t);
    const managerRole = await createRole(t, org, ['users.update', 'users.read']);
    const manager = await createUser(t, org, [managerRole.name]);
    const colleague = await createUser(t, org, ['client']);

    expectForbidden(
      await call(t, 'PATCH', `/api/users/${manager.id}`, {
        token: manager.token,
        body: { roles: ['admin'] },
      }),
      'self to admin',
    );
    expectForbidden(
      await call(t, 'PATCH', `/api/users/${manager.id}`, {
        token: manager.token,
        body: { roles: [managerRole.name, 'client'] },
      }),
      'self plus client',
    );
    expectForbidden(
      await call(t, 'PATCH', `/api/users/${colleague.id}`, {
        token: manager.token,
        body: { roles: ['staff'] },
      }),
      'colleague to staff',
    );
    const me = await call(t, 'GET', '/api/auth/me', { token: manager.token });
    expect((me.body as { data: { user: { roles: string[] } } }).data.user.roles).toEqual([
      managerRole.name,
    ]);
    // /users/me never changes roles or status, whoever asks.
    const viaMe = await call(t, 'PATCH', '/api/users/me', {
      token: manager.token,
      body: { roles: ['admin'] },
    });
    expect({ status: viaMe.status, error: (viaMe.body as { error?: string }).error }).toEqual({
      status: 400,
      error: 'VALIDATION_ERROR',
    });
  });

  it('the last active admin cannot be demoted, disabled or deleted; with a second admin each is allowed', async () => {
    const org = await createTenant(t);
    const owner = org.owner;
    expectConflict(
      await call(t, 'PATCH', `/api/users/${owner.id}`, {
        token: owner.token,
        body: { roles: ['staff'] },
      }),
      'demote the only admin',
    );
    expectConflict(
      await call(t, 'PATCH', `/api/users/${owner.id}`, {
        token: owner.token,
        body: { status: 'disabled' },
      }),
      'disable the only admin',
    );
    expectConflict(
      await call(t, 'DELETE', `/api/users/${owner.id}`, { token: owner.token }),
      'delete the only admin',
    );
    expect((await call(t, 'GET', '/api/auth/me', { token: owner.token })).status).toBe(200);

    // A second admin: the first may now be demoted.
    const second = await createUser(t, org, ['admin'], owner);
    expect(
      (
        await call(t, 'PATCH', `/api/users/${owner.id}`, {
          token: second.token,
          body: { roles: ['staff'] },
        })
      ).status,
    ).toBe(200);
    // Now the second is the last one.
    expectConflict(
      await call(t, 'PATCH', `/api/users/${second.id}`, {
        token: second.token,
        body: { roles: ['client'] },
      }),
      'demote the new last admin',
    );
    expectConflict(
      await call(t, 'PATCH', `/api/users/${second.id}`, {
        token: second.token,
        body: { status: 'disabled' },
      }),
      'disable the new last admin',
    );
    expectConflict(
      await call(t, 'DELETE', `/api/users/${second.id}`, { token: second.token }),
      'delete the new last admin',
    );

    // A third: the second may be disabled. A disabled admin does not count, so the third is then the last.
    const third = await createUser(t, org, ['admin'], second);
    expect(
      (
        await call(t, 'PATCH', `/api/users/${second.id}`, {
          token: third.token,
          body: { status: 'disabled' },
        })
      ).status,
    ).toBe(200);
    expectConflict(
      await call(t, 'DELETE', `/api/users/${third.id}`, { token: third.token }),
      'delete the last active admin',
    );

    // A fourth: the third may be deleted.
    const fourth = await createUser(t, org, ['admin'], third);
    expect(
      (await call(t, 'DELETE', `/api/users/${third.id}`, { token: fourth.token })).status,
    ).toBe(200);
    const admins = (
      (await call(t, 'GET', '/api/users?role=admin&status=active', { token: fourth.token }))
        .body as { data: { id: string }[] }
    ).data;
    expect(admins.map((user) => user.id)).toEqual([fourth.id]);
  });

  it('two admins demoting each other at the same moment leave one admin, every time', async () => {
    const org = await createTenant(t);
    let first: Account = org.owner;
    let second: Account = await createUser(t, org, ['admin']);
    // Several rounds: the interleavings differ from one round to the next (a MySQL deadlock was one).
    for (let round = 0; round < 6; round += 1) {
      const results = await Promise.all([
        call(t, 'PATCH', `/api/users/${second.id}`, {
          token: first.token,
          body: { roles: ['staff'] },
        }),
        call(t, 'PATCH', `/api/users/${first.id}`, {
          token: second.token,
          body: { roles: ['staff'] },
        }),
      ]);
      // The loser gets 409 when both passed the guard together, or 403 when the winner's change
      // already took its users.update away (it applies on the next request); never two 200s, never a 500.
      const statuses = results.map((result) => result.status).sort();
      expect({
        round,
        statuses: statuses.map((status) => (status === 403 ? 409 : status)),
      }).toEqual({ round, statuses: [200, 409] });
      const [winner, loser] = results[0].status === 200 ? [first, second] : [second, first];
      const admins = (
        (await call(t, 'GET', '/api/users?role=admin', { token: winner.token })).body as {
          data: { id: string }[];
        }
      ).data;
      expect(admins.map((user) => user.id)).toEqual([winner.id]);
      // Back to two admins for the next round.
      expect(
        (
          await call(t, 'PATCH', `/api/users/${loser.id}`, {
            token: winner.token,
            body: { roles: ['admin'] },
          })
        ).status,
      ).toBe(200);
      [first, second] = [winner, loser];
    }
  });

  it('a role change applies on the very next request, down and up', async () => {
    const org = await createTenant(t);
    const staff = await createUser(t, org, ['staff']);
    const product = () => ({
      name: 'Next request',
      sku: `NEXT-${Math.random().toString(36).slice(2, 10)}`,
      price: '1.00',
    });
    expect(
      (await call(t, 'POST', '/api/products', { token: staff.token, body: product() })).status,
    ).toBe(201);

    expect(
      (
        await call(t, 'PATCH', `/api/users/${staff.id}`, {
          token: org.owner.token,
          body: { roles: ['client'] },
        })
      ).status,
    ).toBe(200);
    expectForbidden(
      await call(t, 'POST', '/api/products', { token: staff.token, body: product() }),
      'staff demoted to client creates a product',
    );
    expect((await call(t, 'GET', '/api/products', { token: staff.token })).status).toBe(200);

    expect(
      (
        await call(t, 'PATCH', `/api/users/${staff.id}`, {
          token: org.owner.token,
          body: { roles: ['staff'] },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(t, 'POST', '/api/products', { token: staff.token, body: product() })).status,
    ).toBe(201);

    // No roles at all: nothing but what any authenticated user may do.
    expect(
      (
        await call(t, 'PATCH', `/api/users/${staff.id}`, {
          token: org.owner.token,
          body: { roles: [] },
        })
      ).status,
    ).toBe(200);
    expectForbidden(
      await call(t, 'GET', '/api/products', { token: staff.token }),
      'a user without roles lists products',
    );
    expect((await call(t, 'GET', '/api/users/me', { token: staff.token })).status).toBe(200);
  });

  it("a change to a role's permissions applies to its holders on the very next request", async () => {
    const org = await createTenant(t);
    const role = await createRole(t, org, ['products.read', 'products.create']);
    const holder = await createUser(t, org, [role.name]);
    const body = () => ({
      name: 'Role edit',
      sku: `EDIT-${Math.random().toString(36).slice(2, 10)}`,
      price: '2.00',
    });
    expect(
      (await call(t, 'POST', '/api/products', { token: holder.token, body: body() })).status,
    ).toBe(201);
    expect(
      (
        await call(t, 'PATCH', `/api/roles/${role.id}`, {
          token: org.owner.token,
          body: { permissions: ['products.read'] },
        })
      ).status,
    ).toBe(200);
    expectForbidden(
      await call(t, 'POST', '/api/products', { token: holder.token, body: body() }),
      'after the role lost products.create',
    );
  });

  it('disabling or deleting a user ends their token on the very next request', async () => {
    const org = await createTenant(t);
    const disabled = await createUser(t, org, ['staff']);
    const deleted = await createUser(t, org, ['staff']);
    for (const account of [disabled, deleted])
      expect((await call(t, 'GET', '/api/products', { token: account.token })).status).toBe(200);

    expect(
      (
        await call(t, 'PATCH', `/api/users/${disabled.id}`, {
          token: org.owner.token,
          body: { status: 'disabled' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(t, 'DELETE', `/api/users/${deleted.id}`, { token: org.owner.token })).status,
    ).toBe(200);
    for (const account of [disabled, deleted]) {
      for (const [method, path] of [
        ['GET', '/api/auth/me'],
        ['GET', '/api/products'],
      ]) {
        const result = await call(t, method, path, { token: account.token });
        expect({
          method,
          path,
          status: result.status,
          error: (result.body as { error?: string }).error,
        }).toEqual({ method, path, status: 401, error: 'UNAUTHORIZED' });
      }
      const again = await call(t, 'POST', '/api/auth/login', {
        body: { email: account.email, password: PASSWORD },
        headers: { 'x-tenant-id': org.subdomain },
      });
      expect(again.status).toBe(401);
    }

    // Enabled again: the old token stays dead (its sessions ended), a new login works.
    expect(
      (
        await call(t, 'PATCH', `/api/users/${disabled.id}`, {
          token: org.owner.token,
          body: { status: 'active' },
        })
      ).status,
    ).toBe(200);
    expect((await call(t, 'GET', '/api/auth/me', { token: disabled.token })).status).toBe(401);
    const fresh = await logIn(t, disabled);
    expect((await call(t, 'GET', '/api/auth/me', { token: fresh.token })).status).toBe(200);
  });
});
