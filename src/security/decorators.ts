import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  HttpStatus,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import {
  type Principal,
  RequestContext,
  type TenantRef,
  type UserPrincipal,
} from '../context/request-context';
import { ApiErrorResponse, ApiTenantCheckHeader } from '../http/api-docs';
import { AppException } from '../http/app-exception';
import { ErrorCode } from '../http/error-codes';
import { API_KEY_FORBIDDEN_PERMISSIONS, type Permission } from './permissions';

export const REQUIRED_PERMISSIONS = 'security:permissions';
export const PLATFORM_ONLY = 'security:platform-only';
export const AUTHENTICATED_ONLY = 'security:authenticated';
export const PEOPLE_ONLY = 'security:people-only';

/** The OpenAPI security scheme of API keys (`X-API-Key: sk_...`, or `Authorization: Bearer sk_...`). */
export const API_KEY_SCHEME = 'api-key';

/**
 * Every protected route documents its bearer scheme, its requirement and its 401/403 answers
 * (in the error envelope) in Swagger; tenant routes also the X-Tenant-ID check, and routes an
 * API key may call also the API key scheme.
 */
function documented(
  requirement: string,
  extension: Record<string, unknown>,
  tenant = true,
  apiKey = false,
) {
  return applyDecorators(
    ...(tenant ? [ApiTenantCheckHeader()] : []),
    ApiBearerAuth('bearer'),
    ...(apiKey ? [ApiSecurity(API_KEY_SCHEME)] : []),
    ApiExtension('x-access', extension),
    ApiErrorResponse(401, 'Missing, invalid, expired or revoked access token (UNAUTHORIZED)'),
    ApiErrorResponse(
      403,
      `${requirement} (FORBIDDEN), or a tenant hint naming another organization (TENANT_MISMATCH)`,
    ),
  );
}

/**
 * The caller needs every listed permission. An API key holding them may call the route too,
 * unless one of them is a permission no key can hold (API_KEY_FORBIDDEN_PERMISSIONS).
 */
export const Permissions = (...permissions: Permission[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    documented(
      `Needs permission ${permissions.join(' + ')}`,
      { permissions },
      true,
      !permissions.some((permission) => API_KEY_FORBIDDEN_PERMISSIONS.includes(permission)),
    ),
  );

/**
 * As `@Permissions`, for a person only: API keys are refused whatever they hold. For what a
 * key must never do although its permissions would cover it (turning off a user's second factor).
 */
export const PermissionsForPeople = (...permissions: Permission[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    SetMetadata(PEOPLE_ONLY, true),
    documented(`Needs permission ${permissions.join(' + ')} (not an API key)`, { permissions }),
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
  /** API keys may call it too (a key's own identity and organization, not a person's routes). Default false. */
  apiKey?: boolean;
}

/**
 * Any authenticated user of the tenant may call this route (their own session, profile).
 * Explicit, so that a route with no requirement at all is still refused by default. These are
 * a person's routes: an API key is refused unless the route says `apiKey: true`.
 */
export const Authenticated = (options: AuthenticatedOptions = {}) =>
  applyDecorators(
    SetMetadata(AUTHENTICATED_ONLY, {
      platform: options.platform ?? false,
      apiKey: options.apiKey ?? false,
    }),
    documented(
      'Platform accounts or API keys outside their allowed routes',
      {
        authenticated: true,
        platform: options.platform ?? false,
        apiKey: options.apiKey ?? false,
      },
      true,
      options.apiKey ?? false,
    ),
  );

/** The authenticated principal, a user or an API key; the guard guarantees it on non-public routes. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, _context: ExecutionContext): Principal => {
    const principal = RequestContext.current()?.principal;
    if (!principal) throw new UnauthorizedException();
    return principal;
  },
);

/**
 * The signed-in person (a tenant user or a platform operator). The guard keeps API keys off
 * the routes that use it; should one get there anyway, it is refused rather than mistaken for a user.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, _context: ExecutionContext): UserPrincipal => {
    const principal = RequestContext.current()?.principal;
    if (!principal) throw new UnauthorizedException();
    if (principal.kind === 'api_key')
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        'API keys cannot call this route',
      );
    return principal;
  },
);

/** The tenant of this request (from the token, the subdomain or X-Tenant-ID), if any. */
export const CurrentTenant = createParamDecorator(
  (_data: unknown, _context: ExecutionContext): TenantRef | undefined =>
    RequestContext.current()?.tenant,
);
