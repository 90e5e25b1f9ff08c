import type { Type } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AccountTokens } from '../../src/modules/account-tokens/account-tokens.service';
import { AuditAction } from '../../src/modules/audit/audit-actions';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { AUDITED_ACTIONS, NOT_AUDITED } from '../../src/modules/audit/audited.decorator';
import { PLATFORM_OPERATOR } from '../../src/modules/audit/platform-principal';
import { canonicalEmail } from '../../src/security/email';
import { SystemScope } from '../../src/tenancy/system-scope.service';
import { type ApiResponse, PASSWORD, request } from '../support/api-client';
import { createInvitation, invitationToken, inviteeEmail } from '../support/invitations';
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
  createSuperuser,
  createTenant,
  freshPathValues,
  logIn,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { enrol, passwordStep, startSetup } from '../support/mfa';
import { totp } from '../support/totp';

/**
 * Every mutating route (POST, PUT, PATCH, DELETE), read from the app, gets one valid request
 * and must write exactly the audit row it declares with `@Audited(...)`: the right action,
 * organization, actor and entity. A route that writes none says why with `@NotAudited(reason)`,
 * and must then write none. A new mutating route with neither fails here, and so does
 * removing any audit write. The system scope's own rows (system.scope.entered) are the escape
 * hatch's record, not the route's, and so are the rows of the jobs a route causes (written
 * later, in the system scope `job:<name>`): both are left out.
 */

const MUTATING = ['POST', 'PUT', 'PATCH', 'DELETE'];

interface AuditDeclaration {
  actions?: string[];
  notAudited?: string;
}

/** The route's @Audited / @NotAudited metadata, read from its handler. */
function declarations(t: TestApp): Map<string, AuditDeclaration> {
  const reflector = t.app.get(Reflector);
  const byHandler = new Map<string, AuditDeclaration>();
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        byHandler.set(`${controller.name}.${name}`, {
          actions: reflector.get<string[] | undefined>(AUDITED_ACTIONS, handler),
          notAudited: reflector.get<string | undefined>(NOT_AUDITED, handler),
        });
      }
    }
  }
  return byHandler;
}

const isPlatformRoute = (access: RouteAccess) => access.platformOnly;

interface Plan {
  route: NestRoute;
  operation: ApiOperation;
  tenant: Tenant;
  /** Who calls: none on public routes. */
  caller?: Account;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The row's actor and organization when the response alone cannot say. */
  expectedActor?: (result: ApiResponse) => string | null;
  expectedOrganization?: (result: ApiResponse) => string | null;
  /** Ids a row may name as its entity that neither the path nor the response carries. */
  entityIds?: string[];
}

describe('audit walk: every mutating route writes its audit row', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let routes: NestRoute[];
  let operations: Map<string, ApiOperation>;
  let audit: Map<string, AuditDeclaration>;
  let superuser: Account;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    doc = await fetchOpenApi(t);
    operations = new Map(apiOperations(doc).map((operation) => [operation.key, operation]));
    routes = nestRoutes(t.app).filter((route) => MUTATING.includes(route.method));
    audit = declarations(t);
    superuser = await createSuperuser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const declarationOf = (route: NestRoute): AuditDeclaration => audit.get(route.handler) ?? {};
  const auditRows = () => t.app.get(DataSource).getRepository(AuditLog).find();

  /** An invitation of the tenant and the token its email carries. */
  const invitationLink = async (tenant: Tenant) => {
    const email = inviteeEmail('walk');
    const id = await createInvitation(t, tenant.owner.token, email);
    return { id, token: await invitationToken({ outboxDir: t.config.mail.outboxDir }, email) };
  };

  /** Requests the OpenAPI examples cannot make valid on their own: real credentials and tokens. */
  const SPECIAL: Record<string, (plan: Plan) => Promise<Partial<Plan>>> = {
    'POST /api/invitations/preview': async ({ tenant }) => {
      const { id, token } = await invitationLink(tenant);
      return { body: { token }, headers: { 'x-tenant-id': tenant.subdomain }, entityIds: [id] };
    },
    'POST /api/invitations/accept': async ({ tenant }) => {
      const { id, token } = await invitationLink(tenant);
      return {
        body: { token, firstName: 'Walk', lastName: 'Invitee', password: PASSWORD },
        headers: { 'x-tenant-id': tenant.subdomain },
        expectedActor: (result) => result.json<{ user: { id: string } }>().data.user.id,
        entityIds: [id],
      };
    },
    'POST /api/auth/login': async ({ tenant }) => ({
      caller: undefined,
      body: { email: tenant.owner.email, password: tenant.owner.password },
      headers: { 'x-tenant-id': tenant.subdomain },
      expectedActor: () => tenant.owner.id,
    }),
    'POST /api/auth/superuser/login': async () => ({
      caller: undefined,
      body: { email: superuser.email, password: superuser.password },
      expectedActor: () => superuser.id,
      expectedOrganization: () => null,
    }),
    'POST /api/auth/refresh': async ({ tenant }) => {
      const login = await request(t, 'POST', '/api/auth/login', {
        body: {
          email: tenant.owner.email,
          password: tenant.owner.password,
          refreshTokenInBody: true,
        },
        headers: { 'x-tenant-id': tenant.subdomain },
      });
      const refreshToken = login.json<{ tokens: { refreshToken: string } }>().data.tokens
        .refreshToken;
      return { caller: undefined, body: { refreshToken } };
    },
    'POST /api/auth/email/verify': async ({ tenant }) => {
      // The token a verification email would carry, made as its job makes it.
      const { token } = await t.app
        .get(SystemScope)
        .asTenant({ id: tenant.id, subdomain: tenant.subdomain }, 'audit walk', () =>
          t.app
            .get(AccountTokens)
            .issue(
              'verify-email',
              { userId: tenant.owner.id, email: canonicalEmail(tenant.owner.email) },
              600,
            ),
        );
      return {
        caller: undefined,
        body: { token },
        headers: { 'x-tenant-id': tenant.subdomain },
        expectedActor: () => tenant.owner.id,
      };
    },
    'POST /api/users/me/email': async ({ tenant }) => ({
      body: { newEmail: `moved-${tenant.subdomain}@example.test`, password: tenant.owner.password },
    }),
    'POST /api/auth/mfa/totp/confirm': async ({ caller }) => ({
      body: { code: totp((await startSetup(t, caller!)).secret) },
    }),
    'POST /api/auth/mfa/recovery-codes': async ({ caller }) => ({
      body: { password: caller!.password, code: totp((await enrol(t, caller!)).secret) },
    }),
    'DELETE /api/auth/mfa/totp': async ({ caller }) => ({
      body: { password: caller!.password, code: totp((await enrol(t, caller!)).secret) },
    }),
    'POST /api/auth/mfa/verify': async ({ tenant }) => {
      const { secret } = await enrol(t, tenant.owner);
      const step = await passwordStep(t, tenant.owner);
      return {
        caller: undefined,
        body: { mfaToken: step.body.data.mfaToken, code: totp(secret) },
        expectedActor: () => tenant.owner.id,
      };
    },
    // The link a reset mail carries, issued as the mail job issues it.
    'POST /api/auth/password/reset': async ({ tenant }) => {
      const { token } = await t.app
        .get(SystemScope)
        .asTenant(tenant, 'test: the token of a reset mail', () =>
          t.app
            .get(AccountTokens)
            .issue(
              'reset-password',
              { userId: tenant.owner.id, email: canonicalEmail(tenant.owner.email) },
              600,
            ),
        );
      return {
        caller: undefined,
        body: { token, password: 'A-walked-new-passphrase' },
        headers: { 'x-tenant-id': tenant.subdomain },
        expectedActor: () => tenant.owner.id,
      };
    },
    // An address no account has: its job writes a row of its own, and mails nothing.
    'POST /api/auth/password/forgot': async ({ tenant }) => ({
      body: { email: `nobody@${tenant.subdomain}.test` },
      headers: { 'x-tenant-id': tenant.subdomain },
    }),
    'POST /api/auth/register': async () => ({
      expectedActor: (result) => result.json<{ user: { id: string } }>().data.user.id,
      expectedOrganization: (result) =>
        result.json<{ organization: { id: string } }>().data.organization.id,
    }),
  };

  /** One fresh organization per route, so no route's request can disturb another's. */
  async function planFor(route: NestRoute): Promise<Plan> {
    const operation = operations.get(route.key);
    if (!operation) throw new Error(`${route.key} is not in the OpenAPI document`);
    const tenant = await createTenant(t, 'walk');
    const caller = route.access.public
      ? undefined
      : isPlatformRoute(route.access)
        ? await logIn(t, superuser)
        : await logIn(t, tenant.owner);
    const values = await freshPathValues(route.path, {
      t,
      tenant,
      caller: caller && !isPlatformRoute(route.access) ? caller : tenant.owner,
    });
    const plan: Plan = {
      route,
      operation,
      tenant,
      caller,
      path: fillPath(route.path, values),
      body: operation.bodySchema ? exampleBody(doc, operation.bodySchema) : undefined,
    };
    return { ...plan, ...(await SPECIAL[route.key]?.(plan)) };
  }

  /** What a row must say about who acted, where, and on what; the problems found. */
  function problemsOf(plan: Plan, result: ApiResponse, rows: AuditLog[]): string[] {
    const declared = declarationOf(plan.route);
    const where = result.describe();
    if (result.status < 200 || result.status >= 300) return [`not a valid request: ${where}`];
    const summary = rows.map((row) => `${row.action} org=${row.organizationId} user=${row.userId}`);
    if (declared.notAudited !== undefined)
      return rows.length === 0 ? [] : [`@NotAudited but wrote ${summary.join('; ')}`];
    const actions = declared.actions ?? [];
    const problems: string[] = [];
    const data = result.bodyOrNull?.data as { id?: unknown } | undefined;
    const named = [
      ...(plan.path.match(/[0-9a-f-]{36}/g) ?? []),
      typeof data?.id === 'string' ? data.id : undefined,
      plan.caller?.id,
      // A public route acting on its caller's own account (a followed email link).
      plan.expectedActor?.(result) ?? undefined,
      plan.tenant.id,
      plan.expectedOrganization?.(result) ?? undefined,
      ...(plan.entityIds ?? []),
    ].filter((id): id is string => typeof id === 'string');
    type Expected = Partial<Pick<AuditLog, 'organizationId' | 'userId' | 'ip' | 'userAgent'>>;
    const check = (row: AuditLog, expected: Expected, label: string) => {
      if (!actions.includes(row.action))
        problems.push(`${label}: action ${row.action}, declared ${actions.join(' | ')}`);
      for (const [field, value] of Object.entries(expected) as [keyof Expected, string | null][])
        if (row[field] !== value)
          problems.push(`${label}: ${field} ${row[field]}, expected ${value}`);
      if (row.entityType !== null && !named.includes(row.entityId ?? ''))
        problems.push(
          `${label}: entity ${row.entityType} ${row.entityId} is not what was acted on`,
        );
    };

    if (plan.caller && isPlatformRoute(plan.route.access)) {
      // A platform operator on a tenant: the tenant's anonymous row and the platform's full one.
      const tenantRows = rows.filter((row) => row.organizationId !== null);
      const platformRows = rows.filter((row) => row.organizationId === null);
      if (tenantRows.length !== 1 || platformRows.length !== 1)
        return [
          `expected one tenant row and one platform row, got ${summary.join('; ') || 'none'}`,
        ];
      check(
        tenantRows[0],
        { organizationId: plan.tenant.id, userId: null, ip: null, userAgent: null },
        'tenant row',
      );
      if (tenantRows[0].metadata?.actor !== PLATFORM_OPERATOR)
        problems.push('tenant row: metadata.actor is not "platform operator"');
      check(platformRows[0], { userId: plan.caller.id }, 'platform row');
      return problems;
    }
    if (rows.length !== 1)
      return [`expected exactly one audit row, got ${summary.join('; ') || 'none'}`];
    check(
      rows[0],
      {
        userId: plan.expectedActor ? plan.expectedActor(result) : (plan.caller?.id ?? null),
        organizationId: plan.expectedOrganization
          ? plan.expectedOrganization(result)
          : plan.tenant.id,
      },
      'row',
    );
    return problems;
  }

  it('reads the mutating routes of the app, auth and platform routes included (sanity check)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(15);
    expect(routes.map((route) => route.key)).toEqual(
      expect.arrayContaining([
        'POST /api/auth/login',
        'POST /api/auth/logout',
        'PATCH /api/organizations/:id',
        'PATCH /api/organizations/current',
        'PATCH /api/users/:id',
        'DELETE /api/roles/:id',
      ]),
    );
  });

  it('every mutating route declares @Audited(actions) or @NotAudited(reason), not both', () => {
    const undeclared = routes
      .map((route) => ({ route: route.key, ...declarationOf(route) }))
      .filter(
        ({ actions, notAudited }) =>
          (actions?.length ?? 0) > 0 === (notAudited !== undefined) ||
          (notAudited !== undefined && notAudited.trim().length < 10),
      )
      .map(({ route }) => route);
    expect(undeclared).toEqual([]);
    const catalogue: string[] = Object.values(AuditAction);
    const unknown = routes.flatMap((route) =>
      (declarationOf(route).actions ?? []).filter((action) => !catalogue.includes(action)),
    );
    expect(unknown).toEqual([]);
  });

  it('each one, given a valid request, writes exactly its audit row: action, organization, actor, entity', async () => {
    const problems: string[] = [];
    for (const route of routes) {
      const plan = await planFor(route);
      const before = new Set((await auditRows()).map((row) => row.id));
      const result = await request(t, route.method, plan.path, {
        token: plan.caller?.token,
        body: plan.body,
        headers: plan.headers,
      });
      const written = (await auditRows()).filter(
        (row) =>
          !before.has(row.id) &&
          row.action !== AuditAction.SYSTEM_SCOPE_ENTERED &&
          !/^job:/.test(
            typeof row.metadata?.systemScope === 'string' ? row.metadata.systemScope : '',
          ),
      );
      for (const problem of problemsOf(plan, result, written))
        problems.push(`${route.key}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });
});
