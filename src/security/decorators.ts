import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { type Principal, RequestContext, type TenantRef } from '../context/request-context';
import { ApiErrorResponse, ApiTenantCheckHeader } from '../http/api-docs';
import type { Permission } from './permissions';

export const REQUIRED_PERMISSIONS = 'security:permissions';
export const PLATFORM_ONLY = 'security:platform-only';
export const AUTHENTICATED_ONLY = 'security:authenticated';

/**
 * Every protected route documents its bearer scheme, its requirement and its 401/403 answers
 * (in the error envelope) in Swagger; tenant routes also the X-Tenant-ID check.
 */
function documented(requirement: string, extension: Record<string, unknown>, tenant = true) {
  return applyDecorators(
    ...(tenant ? [ApiTenantCheckHeader()] : []),
    ApiBearerAuth('bearer'),
    ApiExtension('x-access', extension),
    ApiErrorResponse(401, 'Missing, invalid, expired or revoked access token (UNAUTHORIZED)'),
    ApiErrorResponse(
      403,
      `${requirement} (FORBIDDEN), or a tenant hint naming another organization (TENANT_MISMATCH)`,
    ),
  );
}

/** The caller needs every listed permission. */
export const Permissions = (...permissions: Permission[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    documented(`Needs permission ${permissions.join(' + ')}`, { permissions }),
  );

/**
 * Only a platform principal may call this route: the bearer of a platform access token, issued
 * by the superuser login to a row of the `superusers` table. Tenant principals are refused
 * whatever their roles are named; platform principals hold no tenant permission.
 */
export const PlatformOnly = () =>
  applyDecorators(
    SetMetadata(PLATFORM_ONLY, true),
    documented('Needs a platform superuser token', { platformOnly: true }, false),
  );

export interface AuthenticatedOptions {
  /** Platform principals may call it too (session endpoints that need no tenant). Default false. */
  platform?: boolean;
}

/**
 * Any authenticated user of the tenant may call this route (their own session, profile).
 * Explicit, so that a route with no requirement at all is still refused by default.
 */
export const Authenticated = (options: AuthenticatedOptions = {}) =>
  applyDecorators(
    SetMetadata(AUTHENTICATED_ONLY, { platform: options.platform ?? false }),
    documented('Platform accounts outside their allowed routes', {
      authenticated: true,
      platform: options.platform ?? false,
    }),
  );

/** The authenticated principal; the guard guarantees it exists on non-public routes. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, _context: ExecutionContext): Principal => {
    const principal = RequestContext.current()?.principal;
    if (!principal) throw new UnauthorizedException();
    return principal;
  },
);

/** The tenant of this request (from the token, the subdomain or X-Tenant-ID), if any. */
export const CurrentTenant = createParamDecorator(
  (_data: unknown, _context: ExecutionContext): TenantRef | undefined =>
    RequestContext.current()?.tenant,
);
