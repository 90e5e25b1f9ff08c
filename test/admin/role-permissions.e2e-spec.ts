import type { OpenAPIObject } from '@nestjs/swagger';
import {
  API_KEY_PERMISSIONS,
  BUILT_IN_ROLES,
  type BuiltInRoleName,
  type Permission,
  SUPERUSER_ROLE,
} from '../../src/security/permissions';
import { request } from '../support/api-client';
import {
  type ApiOperation,
  apiOperations,
  exampleBody,
  fetchOpenApi,
  fillPath,
} from '../support/openapi';
import { type NestRoute, nestRoutes, type RouteAccess } from '../support/routes';
import {
  type Account,
  createApiKey,
  createSuperuser,
  createTenant,
  createUser,
  freshPathValues,
  logIn,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { enrol, startSetup } from '../support/mfa';
import { totp } from '../support/totp';

/**
 * Bodies the OpenAPI examples cannot make valid: a code of the caller's own authenticator.
 * Each prepares the caller (a fresh account, a superuser included) and builds the body.
 */
const MFA_BODIES: Record<string, (t: TestApp, caller: Account) => Promise<unknown>> = {
  'POST /api/auth/mfa/totp/confirm': async (t, caller) => ({
    code: totp((await startSetup(t, caller)).secret),
  }),
  'POST /api/auth/mfa/recovery-codes': async (t, caller) => ({
    password: caller.password,
    code: totp((await enrol(t, caller)).secret),
  }),
  'DELETE /api/auth/mfa/totp': async (t, caller) => ({
    password: caller.password,
    code: totp((await enrol(t, caller)).secret),
  }),
};

/**
 * Each built-in role against each endpoint, cell by cell.
 *
 * The table below is the contract, written out so that a reader sees who may do what. It is
 * checked three ways: it lists exactly the app's non-public routes; every cell agrees with what
 * the route declares (@Permissions / @Roles / @Authenticated) and what the role grants
 * (src/security/permissions.ts), so neither can drift from the other; and every cell is called
 * by a fresh user holding only that role, on fresh rows, so cells cannot depend on each other.
 * `superuser` is the platform account: it stands outside every tenant. `<role>-key` is a fresh
 * API key given every permission of the role that a key can hold.
 */
const TABLE = `
  endpoint                              admin  staff  client  superuser  admin-key  staff-key  client-key
  GET    /api/api-keys                  2xx    403    403     403        403        403        403
  POST   /api/api-keys                  2xx    403    403     403        403        403        403
  DELETE /api/api-keys/:id              2xx    403    403     403        403        403        403
  GET    /api/audit-logs                2xx    403    403     403        2xx        403        403
  POST   /api/auth/change-password      2xx    2xx    2xx     403        403        403        403
  POST   /api/auth/email/resend         2xx    2xx    2xx     403        403        403        403
  POST   /api/auth/logout               2xx    2xx    2xx     2xx        403        403        403
  POST   /api/auth/logout-all           2xx    2xx    2xx     2xx        403        403        403
  GET    /api/auth/me                   2xx    2xx    2xx     2xx        2xx        2xx        2xx
  GET    /api/auth/mfa                  2xx    2xx    2xx     2xx        403        403        403
  POST   /api/auth/mfa/recovery-codes   2xx    2xx    2xx     2xx        403        403        403
  DELETE /api/auth/mfa/totp             2xx    2xx    2xx     2xx        403        403        403
  POST   /api/auth/mfa/totp/confirm     2xx    2xx    2xx     2xx        403        403        403
  POST   /api/auth/mfa/totp/setup       2xx    2xx    2xx     2xx        403        403        403
  GET    /api/auth/sessions             2xx    2xx    2xx     2xx        403        403        403
  DELETE /api/auth/sessions/:id         2xx    2xx    2xx     2xx        403        403        403
  GET    /api/invitations               2xx    2xx    403     403        2xx        2xx        403
  POST   /api/invitations               2xx    403    403     403        2xx        403        403
  DELETE /api/invitations/:id           2xx    403    403     403        2xx        403        403
  POST   /api/invitations/:id/resend    2xx    403    403     403        2xx        403        403
  GET    /api/organizations             403    403    403     2xx        403        403        403
  PATCH  /api/organizations/:id         403    403    403     2xx        403        403        403
  GET    /api/organizations/current     2xx    2xx    2xx     403        2xx        2xx        2xx
  PATCH  /api/organizations/current     2xx    403    403     403        2xx        403        403
  GET    /api/platform/jobs/failed      403    403    403     2xx        403        403        403
  POST   /api/platform/jobs/:id/retry   403    403    403     2xx        403        403        403
  GET    /api/products                  2xx    2xx    2xx     403        2xx        2xx        2xx
  POST   /api/products                  2xx    2xx    403     403        2xx        2xx        403
  DELETE /api/products/:id              2xx    2xx    403     403        2xx        2xx        403
  GET    /api/products/:id              2xx    2xx    2xx     403        2xx        2xx        2xx
  PATCH  /api/products/:id              2xx    2xx    403     403        2xx        2xx        403
  GET    /api/roles                     2xx    403    403     403        403        403        403
  POST   /api/roles                     2xx    403    403     403        403        403        403
  DELETE /api/roles/:id                 2xx    403    403     403        403        403        403
  GET    /api/roles/:id                 2xx    403    403     403        403        403        403
  PATCH  /api/roles/:id                 2xx    403    403     403        403        403        403
  GET    /api/users                     2xx    2xx    403     403        2xx        2xx        403
  POST   /api/users                     2xx    403    403     403        2xx        403        403
  DELETE /api/users/:id                 2xx    403    403     403        2xx        403        403
  GET    /api/users/:id                 2xx    2xx    403     403        2xx        2xx        403
  PATCH  /api/users/:id                 2xx    403    403     403        2xx        403        403
  DELETE /api/users/:id/mfa             2xx    403    403     403        403        403        403
  GET    /api/users/me                  2xx    2xx    2xx     403        403        403        403
  PATCH  /api/users/me                  2xx    2xx    2xx     403        403        403        403
  POST   /api/users/me/email            2xx    2xx    2xx     403        403        403        403
`;

type KeyColumn = `${BuiltInRoleName}-key`;
type Column = BuiltInRoleName | typeof SUPERUSER_ROLE | KeyColumn;
const KEY_COLUMNS = Object.keys(BUILT_IN_ROLES).map((role) => `${role}-key`) as KeyColumn[];
const isKeyColumn = (column: Column): column is KeyColumn =>
  (KEY_COLUMNS as string[]).includes(column);
/** What a key made for the role holds: the role's permissions that a key can hold. */
const keyPermissions = (column: KeyColumn): Permission[] =>
  BUILT_IN_ROLES[column.replace(/-key$/, '') as BuiltInRoleName].permissions.filter((permission) =>
    API_KEY_PERMISSIONS.includes(permission),
  );
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
  if (isKeyColumn(column)) {
    if (access.platformOnly || access.peopleOnly) return '403';
    if (access.authenticated) return access.authenticated.apiKey ? '2xx' : '403';
    const held: readonly string[] = keyPermissions(column);
    return access.permissions.every((permission) => held.includes(permission)) ? '2xx' : '403';
  }
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
    expect(COLUMNS).toEqual([...Object.keys(BUILT_IN_ROLES), SUPERUSER_ROLE, ...KEY_COLUMNS]);
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

  /**
   * A fresh caller holding only this role: a new user of the organization, a new key, or a new
   * superuser session (a new superuser where the row turns on their second factor).
   */
  const callerFor = async (column: Column, own = false): Promise<Account> =>
    column === SUPERUSER_ROLE
      ? own
        ? createSuperuser(t)
        : logIn(t, superuser)
      : isKeyColumn(column)
        ? (await createApiKey(t, org, keyPermissions(column))).account
        : createUser(t, org, [column]);

  it.each(ROWS.map((row) => [row.key, row] as const))('%s', async (_key, row) => {
    const operation = operations.get(row.key);
    if (!operation) throw new Error(`${row.key} is not in the OpenAPI document`);
    // The cells of a row share nothing (each has its own caller and rows), so they run at once.
    const outcomes = await Promise.all(
      COLUMNS.map(async (column) => {
        const prepare = MFA_BODIES[row.key];
        const caller = await callerFor(column, prepare !== undefined);
        const path = fillPath(
          row.path,
          await freshPathValues(row.path, { t, tenant: org, caller }),
        );
        // A key cannot enrol (those routes refuse it): it is sent the example body instead.
        const body =
          prepare !== undefined && !isKeyColumn(column)
            ? await prepare(t, caller)
            : operation.bodySchema
              ? exampleBody(doc, operation.bodySchema)
              : undefined;
        const result = await request(t, row.method, path, { token: caller.token, body });
        const error = result.bodyOrNull?.error;
        const cell =
          result.status >= 200 && result.status < 300
            ? '2xx'
            : result.status === 403 && error === 'FORBIDDEN'
              ? '403'
              : result.describe();
        return `${column}: ${cell}`;
      }),
    );
    const expected = COLUMNS.map((column) => `${column}: ${row.cells[column]}`);
    expect(outcomes).toEqual(expected);
  });
});
