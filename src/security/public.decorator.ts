import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'security:public';

export interface PublicOptions {
  /** false: the route never looks at a tenant hint (health checks). Default true. */
  tenant?: boolean;
  /** false: not counted in the per-client rate limit (health checks of load balancers). Default true. */
  rateLimit?: boolean;
}

/** Marks a route as reachable without authentication. Everything else is denied by default. */
export const Public = (options: PublicOptions = {}) =>
  SetMetadata(IS_PUBLIC, { tenant: options.tenant ?? true, rateLimit: options.rateLimit ?? true });
