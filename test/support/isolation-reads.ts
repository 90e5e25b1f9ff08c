import { randomUUID } from 'node:crypto';
import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import type { ApiResponse } from './api-client';
import { request } from './api-client';
import type { ApiOperation } from './openapi';
import type { RouteAccess } from './routes';
import type { Account, Tenant } from './tenants';
import type { TestApp } from './test-app';

/** What the isolation walk reads with: whole lists, snapshots, traces of a tenant, and checks on answers. */

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export type Snapshot = Map<string, unknown>;

export interface Read {
  key: string;
  status: number;
  text: string;
  data: unknown;
  items?: unknown[];
  total?: number;
}

export const leaks = (text: string, traces: Set<string>, except: string[] = []): string[] =>
  [...traces].filter(
    (trace) => !except.includes(trace) && text.toLowerCase().includes(trace.toLowerCase()),
  );

/** Null when the answer has the status and the error envelope of `code`, else what is wrong. */
export const problemOf = (result: ApiResponse, status: number, code: string): string | null => {
  const body = result.bodyOrNull as {
    success?: boolean;
    error?: string;
    requestId?: string;
  } | null;
  if (result.status !== status) return `expected ${status} ${code}`;
  if (body?.success !== false || body.error !== code || !body.requestId)
    return `expected the ${code} error envelope`;
  return null;
};

/** Reads the app as one organization's admin would, over the routes of the OpenAPI document. */
export class WalkReader {
  constructor(
    private readonly t: TestApp,
    private readonly operations: ApiOperation[],
    private readonly access: Map<string, RouteAccess>,
  ) {}

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
    const t = this.t;
    const pageable = operation.queryParams.some((parameter) => parameter.name === 'limit');
    if (!pageable) {
      const search = new URLSearchParams(query).toString();
      const result = await request(t, 'GET', operation.path + (search ? `?${search}` : ''), {
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
      const search = new URLSearchParams({
        ...query,
        limit: '100',
        page: String(page),
      }).toString();
      const result = await request(t, 'GET', `${operation.path}?${search}`, {
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

/** Fields no request body may carry unless its DTO declares them. */
export const forbiddenFields = (b: Tenant): Record<string, unknown> => ({
  organizationId: b.id,
  organization_id: b.id,
  tenantId: b.id,
  roles: ['admin'],
  id: randomUUID(),
  createdAt: '2000-01-01T00:00:00.000Z',
  updatedAt: '2000-01-01T00:00:00.000Z',
  createdBy: b.owner.id,
});

/** Where a forbidden field can be put into a body: its top level, and each nested object (register's organization). */
export interface InjectionTarget {
  prefix: string;
  properties: string[];
  inject: (field: string, value: unknown) => Record<string, unknown>;
}

export function injectionTargets(
  doc: OpenAPIObject,
  schema: SchemaObject,
  base: Record<string, unknown>,
): InjectionTarget[] {
  const targets: InjectionTarget[] = [
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
        ? doc.components?.schemas?.[nested.$ref.split('/').pop() ?? '']
        : nested;
    if (!nestedSchema || '$ref' in nestedSchema || !nestedSchema.properties) continue;
    targets.push({
      prefix: `${property}.`,
      properties: Object.keys(nestedSchema.properties),
      inject: (field, injected) => ({ ...base, [property]: { ...value, [field]: injected } }),
    });
  }
  return targets;
}
