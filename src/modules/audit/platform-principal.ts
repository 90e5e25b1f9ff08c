import type { Principal } from '../../context/request-context';

/** Whether the principal is a platform operator (a superuser), who stands outside every tenant. */
export function isPlatformPrincipal(principal: Principal | undefined): boolean {
  return principal?.kind === 'platform';
}

/** How a tenant's audit log names a platform operator: never by id, IP or user agent. */
export const PLATFORM_OPERATOR = 'platform operator';
