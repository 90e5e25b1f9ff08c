import { type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  type ApiKeyPrincipal,
  type Principal,
  RequestContext,
  type UserPrincipal,
} from '../context/request-context';
import { AppException } from '../http/app-exception';
import { ErrorCode } from '../http/error-codes';
import { LOGGER } from '../logging/logger';
import { AnonymousRateLimit } from '../rate-limit/anonymous-rate-limit.service';
import { rateLimitHeaders } from '../rate-limit/rate-limit-response';
import { TenantContext } from '../tenancy/tenant-context';
import { type TenantHint, TenantResolver } from '../tenancy/tenant-resolver.service';
import {
  AUTHENTICATED_ONLY,
  type AuthenticatedOptions,
  PEOPLE_ONLY,
  PLATFORM_ONLY,
  REQUIRED_PERMISSIONS,
} from './decorators';
import { ApiKeyAuthenticator, presentedApiKey } from './api-key-authenticator';
import { API_KEY_FORBIDDEN_PERMISSIONS } from './permissions';
import { IS_PUBLIC, type PublicOptions } from './public.decorator';

/**
 * The one global guard, deny by default:
 * - `@Public()` routes pass, after resolving a tenant the request names (subdomain / X-Tenant-ID)
 *   and counting the request in the client's anonymous rate-limit bucket (health checks excepted);
 * - every request that acts for an organization is counted in its buckets (client in the
 *   tenant, tenant, API key) in the same round trip that checks its session or key;
 * - every other route needs a valid access token of a live session, and the token's tenant
 *   must match any tenant the request names (403 otherwise);
 * - `@PlatformOnly()` routes need a platform principal (a platform token, from the superuser
 *   login); a tenant principal is refused whatever its roles are called, and a platform
 *   principal reaches nothing else but `@Authenticated({ platform: true })` session routes;
 * - tenant routes need the route's `@Permissions` (all of them); `@Authenticated()` asks for no
 *   more than a valid session;
 * - a route that declares nothing is refused: forgetting a requirement can never open a route;
 * - an API key (`X-API-Key` or `Authorization: Bearer sk_...`) acts for its own organization
 *   with its own permissions on `@Permissions` routes, except those needing a permission no key
 *   can hold, and on `@Authenticated({ apiKey: true })` routes; it is refused everywhere else
 *   (sessions, profile, password, platform).
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly tenants: TenantResolver,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly anonymousLimit: AnonymousRateLimit,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await this.decide(context);
    } finally {
      // Whatever the outcome, the response reports the bucket this request was counted in.
      const verdict = RequestContext.current()?.rateLimit;
      if (verdict)
        void context.switchToHttp().getResponse<FastifyReply>().headers(rateLimitHeaders(verdict));
    }
  }

  private async decide(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const publicOptions = this.reflector.getAllAndOverride<Required<PublicOptions> | undefined>(
      IS_PUBLIC,
      targets,
    );
    const hint = this.tenants.hint(request.headers);

    if (publicOptions) {
      if (publicOptions.rateLimit) await this.anonymousLimit.check();
      if (publicOptions.tenant && hint) await this.enterHintedTenant(hint);
      return true;
    }

    const permissions = this.reflector.getAllAndOverride<string[] | undefined>(
      REQUIRED_PERMISSIONS,
      targets,
    );
    const platformOnly = this.reflector.getAllAndOverride<boolean | undefined>(
      PLATFORM_ONLY,
      targets,
    );
    const authenticatedOnly = this.reflector.getAllAndOverride<
      Required<AuthenticatedOptions> | undefined
    >(AUTHENTICATED_ONLY, targets);
    if (!permissions?.length && !platformOnly && !authenticatedOnly) {
      this.logger.error(
        { route: `${request.method} ${request.routeOptions.url}` },
        'route declares no access requirement; refused',
      );
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        'This route is not available',
      );
    }

    const principal = await this.authenticate(context, request);
    const store = RequestContext.current();
    if (store) store.principal = principal;
    if (principal.kind === 'platform') {
      // Platform operators act outside every tenant: platform routes and tenant-free session routes.
      if (platformOnly || authenticatedOnly?.platform) return true;
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        'Platform accounts cannot act inside an organization',
      );
    }
    const organization =
      principal.kind === 'api_key' ? principal.organization : principal.identity.organization;
    TenantContext.enter({ id: organization.id, subdomain: organization.subdomain });
    // A token's request was counted by its session check; a key's is counted here, before
    // anything can refuse it.
    if (principal.kind === 'api_key') await this.apiKeys.admit(principal);

    if (hint && !this.tenants.names(hint, organization)) {
      const named = await this.tenants.resolve(hint);
      if (!named)
        throw new AppException(
          HttpStatus.NOT_FOUND,
          ErrorCode.TENANT_NOT_FOUND,
          'Organization not found',
        );
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.TENANT_MISMATCH,
        'The token belongs to another organization',
      );
    }

    if (principal.kind === 'api_key') {
      const peopleOnly = this.reflector.getAllAndOverride<boolean | undefined>(
        PEOPLE_ONLY,
        targets,
      );
      const allowed = authenticatedOnly
        ? authenticatedOnly.apiKey
        : !platformOnly &&
          !peopleOnly &&
          !(permissions ?? []).some((code) =>
            (API_KEY_FORBIDDEN_PERMISSIONS as readonly string[]).includes(code),
          );
      if (!allowed)
        throw new AppException(
          HttpStatus.FORBIDDEN,
          ErrorCode.FORBIDDEN,
          'API keys cannot call this route',
        );
    }

    // After the tenant check, so a foreign tenant hint is reported as such on every route.
    if (platformOnly) {
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        'Only platform operators can do this',
      );
    }

    const missing = (permissions ?? []).filter(
      (permission) => !principal.permissions.includes(permission),
    );
    if (missing.length > 0) {
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        'You do not have permission to do this',
      );
    }
    return true;
  }

  /**
   * The token's or the key's principal. A credential that fails before naming an organization
   * was counted in no tenant's bucket, so its request counts in the anonymous one.
   */
  private async authenticate(
    context: ExecutionContext,
    request: FastifyRequest,
  ): Promise<Principal> {
    const apiKey = presentedApiKey(request.headers);
    try {
      if (apiKey !== undefined) return await this.authenticateApiKey(apiKey);
      await super.canActivate(context);
      return (request as FastifyRequest & { user: UserPrincipal }).user;
    } catch (error) {
      if (!RequestContext.current()?.rateLimit) await this.anonymousLimit.check();
      throw error;
    }
  }

  private async authenticateApiKey(presented: string | null): Promise<ApiKeyPrincipal> {
    const principal = presented === null ? null : await this.apiKeys.authenticate(presented);
    if (!principal)
      throw new AppException(
        HttpStatus.UNAUTHORIZED,
        ErrorCode.UNAUTHORIZED,
        'Missing, invalid, expired or revoked API key',
      );
    return principal;
  }

  private async enterHintedTenant(hint: TenantHint): Promise<void> {
    const organization = await this.tenants.resolve(hint);
    if (!organization)
      throw new AppException(
        HttpStatus.NOT_FOUND,
        ErrorCode.TENANT_NOT_FOUND,
        'Organization not found',
      );
    TenantContext.enter({ id: organization.id, subdomain: organization.subdomain });
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof Error) throw error;
    if (error) throw new Error('Authentication failed unexpectedly');
    if (!user)
      throw new AppException(
        HttpStatus.UNAUTHORIZED,
        ErrorCode.UNAUTHORIZED,
        'Missing, invalid or revoked access token',
      );
    return user;
  }
}
