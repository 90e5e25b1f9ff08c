import { randomUUID } from 'node:crypto';
import type { OpenAPIObject } from '@nestjs/swagger';
import { type ApiResponse, request } from './api-client';
import { type ApiOperation, apiOperations, fetchOpenApi } from './openapi';
import { nestRoutes, type RouteAccess } from './routes';
import {
  type Account,
  createProduct,
  createRole,
  createSuperuser,
  createTenant,
  createUser,
  type Tenant,
  WALK_ENV,
} from './tenants';
import { startTestApp, type TestApp } from './test-app';

/**
 * What the tenant-isolation walks (test/tenancy/isolation-*.e2e-spec.ts) share: an app with two
 * organizations A and B, one row of each kind per organization, the routes read from the
 * OpenAPI document, and reads that page through whole lists. The only explicit list is
 * ID_FIXTURES (test/support/tenants.ts): how to make a row for each `:id` route.
 */

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Fields no request body may carry unless its DTO declares them. */
export const FORBIDDEN_FIELDS = (b: Tenant): Record<string, unknown> => ({
  organizationId: b.id,
  organization_id: b.id,
  tenantId: b.id,
  roles: ['admin'],
  id: randomUUID(),
  createdAt: '2000-01-01T00:00:00.000Z',
  updatedAt: '2000-01-01T00:00:00.000Z',
  createdBy: b.owner.id,
});

export type Snapshot = Map<string, unknown>;

/** One row of each kind per organization, made before any walk. */
export interface Rows {
  user: string;
  role: string;
  roleName: string;
  product?: string;
  sku?: string;
  session: string;
}

export interface Read {
  key: string;
  status: number;
  text: string;
  data: unknown;
  items?: unknown[];
  total?: number;
}

export class IsolationWalk {
  private constructor(
    readonly t: TestApp,
    readonly doc: OpenAPIObject,
    readonly operations: ApiOperation[],
    private readonly access: Map<string, RouteAccess>,
    readonly a: Tenant,
    readonly b: Tenant,
    readonly superuser: Account,
    readonly rows: Record<'a' | 'b', Rows>,
  ) {}

  static async start(): Promise<IsolationWalk> {
    const t = await startTestApp({ env: WALK_ENV });
    const doc = await fetchOpenApi(t);
    const operations = apiOperations(doc);
    const access = new Map(nestRoutes(t.app).map((route) => [route.key, route.access]));
    const a = await createTenant(t, 'alpha');
    const b = await createTenant(t, 'bravo');
    const superuser = await createSuperuser(t);
    const hasProducts = operations.some((operation) => operation.key === 'POST /api/products');
    const rows = {} as Record<'a' | 'b', Rows>;
    for (const [name, tenant] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const user = await createUser(t, tenant, ['staff']);
      const role = await createRole(t, tenant, ['products.read', 'users.read']);
      const product = hasProducts ? await createProduct(t, tenant) : undefined;
      rows[name] = {
        user: user.id,
        role: role.id,
        roleName: role.name,
        product: product?.id,
        sku: product?.sku,
        session: tenant.owner.sessionId,
      };
    }
    return new IsolationWalk(t, doc, operations, access, a, b, superuser, rows);
  }

  close(): Promise<void> {
    return this.t.close();
  }

  accessOf(operation: ApiOperation): RouteAccess {
    const found = this.access.get(operation.key);
    if (!found)
      throw new Error(
        `${operation.key} is in the OpenAPI document but not among the controllers' routes`,
      );
    return found;
  }

  isPublic(operation: ApiOperation): boolean {
    return Boolean(this.accessOf(operation).public);
  }

  /** A tenant admin holds every permission, so only a platform-only route can stop them. */
  adminMayCall(operation: ApiOperation): boolean {
    return !this.accessOf(operation).platformOnly;
  }

  /** GET a route without path parameters; a paginated one is read page by page (limit 100). */
  async readAll(
    account: Account,
    operation: ApiOperation,
    query: Record<string, string> = {},
  ): Promise<Read> {
    const pageable = operation.queryParams.some((parameter) => parameter.name === 'limit');
    if (!pageable) {
      const search = new URLSearchParams(query).toString();
      const result = await request(this.t, 'GET', operation.path + (search ? `?${search}` : ''), {
        token: account.token,
      });
      return {
        key: operation.key,
        status: result.status,
        text: result.text,
        data: result.bodyOrNull?.data,
      };
    }
    const items: unknown[] = [];
    const texts: string[] = [];
    let total: number | undefined;
    for (let page = 1; ; page += 1) {
      const search = new URLSearchParams({ ...query, limit: '100', page: String(page) }).toString();
      const result = await request(this.t, 'GET', `${operation.path}?${search}`, {
        token: account.token,
      });
      texts.push(result.text);
      const body = result.bodyOrNull as {
        data?: unknown[];
        pagination?: { total: number; totalPages: number };
      } | null;
      if (result.status !== 200 || !body?.pagination || !Array.isArray(body.data)) {
        return {
          key: operation.key,
          status: result.status,
          text: texts.join('\n'),
          data: body?.data,
        };
      }
      items.push(...body.data);
      total = body.pagination.total;
      if (page >= body.pagination.totalPages) break;
    }
    return { key: operation.key, status: 200, text: texts.join('\n'), data: items, items, total };
  }

  /** The GET routes without path parameters that an organization's admin may call. */
  readableOperations(): ApiOperation[] {
    return this.operations.filter(
      (operation) =>
        operation.method === 'GET' &&
        operation.pathParams.length === 0 &&
        !this.isPublic(operation) &&
        this.adminMayCall(operation),
    );
  }

  /** Everything the organization's admin can read, route by route. */
  async snapshot(account: Account): Promise<Snapshot> {
    const view: Snapshot = new Map();
    for (const operation of this.readableOperations()) {
      const read = await this.readAll(account, operation);
      view.set(operation.key, { status: read.status, data: read.data });
    }
    return view;
  }

  /** Every trace of an organization: its id, its marker, its owner's email and every id its admin can see. */
  async tracesOf(tenant: Tenant): Promise<Set<string>> {
    const traces = new Set<string>([tenant.id, tenant.marker, tenant.owner.email]);
    for (const operation of this.readableOperations()) {
      const read = await this.readAll(tenant.owner, operation);
      for (const match of read.text.matchAll(UUID)) traces.add(match[0].toLowerCase());
    }
    return traces;
  }
}

export function leaks(text: string, traces: Set<string>, except: string[] = []): string[] {
  return [...traces].filter(
    (trace) => !except.includes(trace) && text.toLowerCase().includes(trace.toLowerCase()),
  );
}

/** Null when the answer is `status` with the `code` error envelope; otherwise what is wrong. */
export function problemOf(result: ApiResponse, status: number, code: string): string | null {
  const body = result.bodyOrNull as {
    success?: boolean;
    error?: string;
    requestId?: string;
  } | null;
  if (result.status !== status) return `expected ${status} ${code}`;
  if (body?.success !== false || body.error !== code || !body.requestId)
    return `expected the ${code} error envelope`;
  return null;
}
