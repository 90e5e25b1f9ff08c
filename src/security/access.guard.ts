import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type ApiKeyPrincipal, type Principal, RequestContext } from '../context/request-context';
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
import { AccessTokenAuthenticator } from './access-token-authenticator';
import { ApiKeyAuthenticator, presentedApiKey } from './api-key-authenticator';
import { API_KEY_FORBIDDEN_PERMISSIONS } from './permissions';
import { IS_PUBLIC, type PublicOptions } from './public.decorator';

/** What a route declares, read from its decorators once and kept for every later request. */
interface RoutePolicy {
  publicOptions?: Required<PublicOptions>;
  permissions: string[];
  platformOnly: boolean;
  authenticatedOnly?: Required<AuthenticatedOptions>;
  peopleOnly: boolean;
}

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
export class AccessGuard implements CanActivate {
  /** Per controller class, then per handler: a handler may be inherited by several controllers. */
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tenants: TenantResolver,
    private readonly tokens: AccessTokenAuthenticator,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly anonymousLimit: AnonymousRateLimit,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
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
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const { publicOptions, permissions, platformOnly, authenticatedOnly, peopleOnly } =
      this.policyOf(context);
    const hint = this.tenants.hint(request.headers);

    if (publicOptions) {
      if (publicOptions.rateLimit) await this.anonymousLimit.check();
      if (publicOptions.tenant && hint) await this.enterHintedTenant(hint);
      return true;
    }

    if (permissions.length === 0 && !platformOnly && !authenticatedOnly) {
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

    const principal = await this.authenticate(request);
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
      const allowed = authenticatedOnly
        ? authenticatedOnly.apiKey
        : !platformOnly &&
          !peopleOnly &&
          !permissions.some((code) =>
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

    const missing = permissions.filter((permission) => !principal.permissions.includes(permission));
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
  private async authenticate(request: FastifyRequest): Promise<Principal> {
    const apiKey = presentedApiKey(request.headers);
    try {
      if (apiKey !== undefined) return await this.authenticateApiKey(apiKey);
      const user = await this.tokens.principalOf(request);
      if (!user)
        throw new AppException(
          HttpStatus.UNAUTHORIZED,
          ErrorCode.UNAUTHORIZED,
          'Missing, invalid or revoked access token',
        );
      return user;
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

  private policyOf(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.policies.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.policies.set(controller, byHandler);
    }
    let policy = byHandler.get(handler);
    if (!policy) {
      const targets = [handler, controller];
      const read = <T>(key: string) =>
        this.reflector.getAllAndOverride<T | undefined>(key, targets);
      policy = {
        publicOptions: read<Required<PublicOptions>>(IS_PUBLIC),
        permissions: read<string[]>(REQUIRED_PERMISSIONS) ?? [],
        platformOnly: read<boolean>(PLATFORM_ONLY) ?? false,
        authenticatedOnly: read<Required<AuthenticatedOptions>>(AUTHENTICATED_ONLY),
        peopleOnly: read<boolean>(PEOPLE_ONLY) ?? false,
      };
      byHandler.set(handler, policy);
    }
    return policy;
  }
}
