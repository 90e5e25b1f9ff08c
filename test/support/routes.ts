import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AUTHENTICATED_ONLY,
  type AuthenticatedOptions,
  REQUIRED_PERMISSIONS,
  PEOPLE_ONLY,
  PLATFORM_ONLY,
} from '../../src/security/decorators';
import { API_KEY_FORBIDDEN_PERMISSIONS } from '../../src/security/permissions';
import { IS_PUBLIC, type PublicOptions } from '../../src/security/public.decorator';

/**
 * The routes of the running app, from three independent sources (Nest's controller metadata,
 * Fastify's router here, and the OpenAPI document in openapi.ts), so that the access and
 * isolation walks cover a new route without anyone writing a test for it.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** What a route declares, read exactly as AccessGuard reads it (handler first, then controller). */
export interface RouteAccess {
  public?: Required<PublicOptions>;
  permissions: string[];
  /** `@PlatformOnly()`: platform principals only. */
  platformOnly: boolean;
  /** `@PermissionsForPeople()`: the permissions, and never an API key. */
  peopleOnly: boolean;
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

/**
 * Whether AccessGuard lets an API key holding every grantable permission through, read from
 * the route's declaration: `@Permissions` routes without a permission no key can hold, and
 * `@Authenticated({ apiKey: true })` routes.
 */
export function keyMayCall(access: RouteAccess): boolean {
  if (access.public) return true;
  if (access.platformOnly || access.peopleOnly) return false;
  if (access.authenticated) return access.authenticated.apiKey;
  return !access.permissions.some((code) =>
    (API_KEY_FORBIDDEN_PERMISSIONS as readonly string[]).includes(code),
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
          peopleOnly:
            reflector.getAllAndOverride<boolean | undefined>(PEOPLE_ONLY, targets) ?? false,
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
