import { type ContextStore, RequestContext, type TenantRef } from '../context/request-context';

/** Thrown when tenant-scoped data is touched with no tenant in the context: a bug, never a fallback to "all tenants". */
export class MissingTenantContextError extends Error {
  constructor(operation: string) {
    super(`Tenant-scoped operation "${operation}" ran without a tenant context`);
    this.name = 'MissingTenantContextError';
  }
}

export const TenantContext = {
  /** The current tenant's id; throws when there is none. */
  requireTenantId(operation: string): string {
    const tenantId = RequestContext.current()?.tenant?.id;
    if (!tenantId) throw new MissingTenantContextError(operation);
    return tenantId;
  },

  /** True only inside SystemScope.run, and only while no tenant was entered within it. */
  inSystemScope(): boolean {
    const store = RequestContext.current();
    return Boolean(store?.systemScope) && !store?.tenant;
  },

  currentTenant(): TenantRef | undefined {
    return RequestContext.current()?.tenant;
  },

  /**
   * Runs work as the given tenant (jobs, scripts, signup right after the organization exists).
   * Inside an HTTP request the request's context is copied, so its request id stays on the logs.
   */
  run<T>(tenant: TenantRef, work: () => T): T {
    const parent = RequestContext.current();
    const store: ContextStore = {
      ...(parent ?? { requestId: `job-${Date.now().toString(36)}` }),
      tenant,
      systemScope: undefined,
    };
    return RequestContext.run(store, work);
  },

  /** Sets the tenant on the current request's context (the auth guard does this once per request). */
  enter(tenant: TenantRef): void {
    const store = RequestContext.current();
    if (!store) throw new Error('No request context to enter a tenant into');
    store.tenant = tenant;
  },
};
