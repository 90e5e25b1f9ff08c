import { Agent, request as httpRequest } from 'node:http';
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger';
import {
  AUTHENTICATED_ONLY,
  type AuthenticatedOptions,
  REQUIRED_PERMISSIONS,
  PLATFORM_ONLY,
} from '../../src/security/decorators';
import { IS_PUBLIC, type PublicOptions } from '../../src/security/public.decorator';
import { PASSWORD } from './auth';
import type { TestApp } from './test-app';

/**
 * The routes of the running app, from three independent sources (Nest's controller metadata,
 * Fastify's router and the OpenAPI document), so that the access and isolation walks cover a
 * new route without anyone writing a test for it.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** What a route declares, read exactly as AccessGuard reads it (handler first, then controller). */
export interface RouteAccess {
  public?: Required<PublicOptions>;
  permissions: string[];
  /** `@PlatformOnly()`: platform principals only. */
  platformOnly: boolean;
  authenticated?: Required<AuthenticatedOptions>;
}

export interface NestRoute {
  method: HttpMethod;
  /** Fastify syntax, prefix included: `/api/users/:id`. */
  path: string;
  /** `GET /api/users/:id` */
  key: string;
  /** `UsersController.get` */
  handler: string;
  access: RouteAccess;
}

export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/** Whether the route states who may call it; AccessGuard refuses every route that does not. */
export function declaresAccess(access: RouteAccess): boolean {
  return (
    Boolean(access.public) ||
    access.permissions.length > 0 ||
    access.platformOnly ||
    Boolean(access.authenticated)
  );
}

function asArray(value: unknown): string[] {
  if (value === undefined) return [''];
  const values: unknown[] = Array.isArray(value) ? value : [value];
  return values.map((item) => (typeof item === 'string' ? item : String(item as number)));
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

/** Every controller route Nest knows, with the access metadata AccessGuard will read. */
export function nestRoutes(app: NestFastifyApplication): NestRoute[] {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const fastify = app.getHttpAdapter().getInstance();
  const routes = new Map<string, NestRoute>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as
          RequestMethod | undefined;
        if (requestMethod === undefined) continue;
        const method = RequestMethod[requestMethod] as HttpMethod;
        if (!HTTP_METHODS.includes(method))
          throw new Error(
            `${controller.name}.${name}: @${RequestMethod[requestMethod]} routes are not handled by this helper; extend it`,
          );
        const targets = [handler, controller];
        const access: RouteAccess = {
          public: reflector.getAllAndOverride<Required<PublicOptions> | undefined>(
            IS_PUBLIC,
            targets,
          ),
          permissions:
            reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS, targets) ?? [],
          platformOnly:
            reflector.getAllAndOverride<boolean | undefined>(PLATFORM_ONLY, targets) ?? false,
          authenticated: reflector.getAllAndOverride<Required<AuthenticatedOptions> | undefined>(
            AUTHENTICATED_ONLY,
            targets,
          ),
        };
        for (const controllerPath of asArray(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const handlerPath of asArray(Reflect.getMetadata(PATH_METADATA, handler))) {
            const bare = joinPath(controllerPath, handlerPath);
            // The global prefix has exclusions (health): the router says which form was mounted.
            const candidates = [joinPath('api', bare), bare];
            const path =
              candidates.find((candidate) => fastify.hasRoute({ method, url: candidate })) ??
              candidates[0];
            const key = routeKey(method, path);
            routes.set(key, { method, path, key, handler: `${controller.name}.${name}`, access });
          }
        }
      }
    }
  }
  return [...routes.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export interface RouterRoute {
  method: string;
  path: string;
}

/**
 * Every route Fastify would answer, parsed from `printRoutes({ commonPrefix: false })`: routes
 * registered on Fastify directly (plugins, hand-written handlers) bypass Nest's guards, so the
 * router is the source of truth for what is reachable.
 */
export function routerRoutes(app: NestFastifyApplication): RouterRoute[] {
  const text = app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: RouterRoute[] = [];
  for (const line of text.split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    if (!Number.isInteger(depth)) throw new Error(`Cannot read the router table line: ${line}`);
    stack[depth] = (depth > 0 ? stack[depth - 1] : '') + match[2];
    stack.length = depth + 1;
    for (const method of (match[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      routes.push({ method, path: stack[depth] });
    }
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

export interface ApiOperation {
  method: HttpMethod;
  /** Fastify syntax: `/api/users/:id`. */
  path: string;
  /** OpenAPI syntax: `/api/users/{id}`. */
  template: string;
  key: string;
  operation: OperationObject;
  pathParams: string[];
  queryParams: ParameterObject[];
  bodySchema?: SchemaObject;
}

export async function fetchOpenApi(t: TestApp): Promise<OpenAPIObject> {
  const response = await t.request('/api/docs-json');
  if (response.status !== 200) throw new Error(`GET /api/docs-json answered ${response.status}`);
  return (await response.json()) as OpenAPIObject;
}

export function resolveSchema(
  doc: OpenAPIObject,
  schema: SchemaObject | ReferenceObject | undefined,
): SchemaObject | undefined {
  if (!schema) return undefined;
  if ('$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(doc, doc.components?.schemas?.[name]);
  }
  if (schema.allOf) {
    const parts = schema.allOf.map((part) => resolveSchema(doc, part) ?? {});
    return {
      ...schema,
      allOf: undefined,
      properties: Object.assign(
        {},
        ...parts.map((part) => part.properties ?? {}),
        schema.properties ?? {},
      ) as SchemaObject['properties'],
      required: [...parts.flatMap((part) => part.required ?? []), ...(schema.required ?? [])],
    };
  }
  return schema;
}

export function apiOperations(doc: OpenAPIObject): ApiOperation[] {
  const operations: ApiOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation: OperationObject | undefined = item[method.toLowerCase() as 'get'];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].filter(
        (parameter): parameter is ParameterObject => !('$ref' in parameter),
      );
      const path = template.replace(/\{([^}]+)\}/g, ':$1');
      const requestBody =
        operation.requestBody && !('$ref' in operation.requestBody)
          ? operation.requestBody
          : undefined;
      operations.push({
        method,
        path,
        template,
        key: routeKey(method, path),
        operation,
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]),
        queryParams: parameters.filter((parameter) => parameter.in === 'query'),
        bodySchema: resolveSchema(doc, requestBody?.content['application/json']?.schema),
      });
    }
  }
  return operations.sort((a, b) => a.key.localeCompare(b.key));
}

export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}

let uniqueCounter = 0;
export function unique(): string {
  uniqueCounter += 1;
  return `${uniqueCounter.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * A valid request body built from the DTO's OpenAPI schema: examples, enums and formats, with
 * strings made unique (emails, names, SKUs and subdomains must not collide between calls).
 * Every property that has an example or an enum is filled, so a PATCH body changes something.
 * Password fields get the tests' password (`new...` ones a different valid password).
 */
export function exampleBody(
  doc: OpenAPIObject,
  schema: SchemaObject | undefined,
): Record<string, unknown> {
  const value = exampleValue(doc, schema, '', true);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function exampleValue(
  doc: OpenAPIObject,
  raw: SchemaObject | ReferenceObject | undefined,
  name: string,
  required: boolean,
): unknown {
  const schema = resolveSchema(doc, raw);
  if (!schema) return undefined;
  if (/password/i.test(name)) return /^new/i.test(name) ? `${PASSWORD}-renewed` : PASSWORD;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.type === 'object' || schema.properties) {
    if (schema.example !== undefined && !schema.properties) return schema.example;
    const body: Record<string, unknown> = {};
    for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
      const value = exampleValue(
        doc,
        propertySchema,
        property,
        (schema.required ?? []).includes(property),
      );
      if (value !== undefined) body[property] = value;
    }
    return body;
  }
  if (schema.type === 'array') {
    if (schema.example !== undefined) return schema.example;
    const item = exampleValue(doc, schema.items, name, true);
    return required && item !== undefined ? [item] : undefined;
  }
  if (schema.type === 'string') {
    if (schema.format === 'uuid' || schema.format === 'date-time') return undefined;
    const example =
      typeof schema.example === 'string' ? schema.example : required ? 'example' : undefined;
    if (example === undefined) return example;
    const suffix = unique();
    const at = example.indexOf('@');
    const varied =
      at > 0 ? `${example.slice(0, at)}-${suffix}${example.slice(at)}` : `${example}-${suffix}`;
    // Where the pattern or the length refuses a suffix (a price), the example is used as it is.
    const fits =
      (!schema.pattern || new RegExp(schema.pattern).test(varied)) &&
      varied.length <= (schema.maxLength ?? Infinity);
    return fits ? varied : example;
  }
  if (schema.type === 'boolean' || schema.type === 'number' || schema.type === 'integer') {
    return (
      schema.example ??
      (required ? (schema.type === 'boolean' ? false : (schema.minimum ?? 0)) : undefined)
    );
  }
  return schema.example;
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON, asserted by the tests
  body: any;
}

export interface CallOptions {
  token?: string;
  /** Raw Authorization header (overrides token). */
  authorization?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The Host header (fetch cannot set it; node:http can), e.g. `acme.localhost`. */
  host?: string;
  /** A body sent exactly as given, with no Content-Type unless `headers` names one (instead of `body`). */
  rawBody?: string;
}

/**
 * No keep-alive: an idle pooled socket would hold the app's close() until Fastify's
 * keep-alive timeout, several seconds per suite.
 */
const agent = new Agent({ keepAlive: false });

/** One request through node:http, so that any header (Host included) can be set. */
export function call(
  t: TestApp,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const url = new URL(t.baseUrl + path);
  const payload = options.body === undefined ? options.rawBody : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(options.host ? { host: `${options.host}:${url.port}` } : {}),
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(payload !== undefined ? { 'content-length': String(Buffer.byteLength(payload)) } : {}),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.authorization !== undefined ? { authorization: options.authorization } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `GET /api/x -> 500 {...}`: what a failed expectation prints. */
export function describeCall(method: string, path: string, result: CallResult): string {
  return `${method} ${path} -> ${result.status} ${result.text.slice(0, 300)}`;
}
