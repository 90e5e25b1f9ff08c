import { RequestContext, type TenantRef } from '../context/request-context';

/** Thrown when tenant-scoped data is touched with no tenant in the context: a bug, never a fallback to "all tenants". */
export class MissingTenantContextError extends Error {
  constructor(operation: string) {
    super(`Tenant-scoped operation "${operation}" ran without a tenant context`);
    this.name = 'MissingTenantContextError';
  }
}

/** A tenant without an id would scope nothing; refused wherever a tenant enters a context. */
export function assertTenantRef(tenant: TenantRef | null | undefined): asserts tenant is TenantRef {
  if (typeof tenant?.id !== 'string' || !tenant.id.trim())
    throw new Error('A tenant context needs a non-empty tenant id');
}

/**
 * Reads the tenant of the current context. There is deliberately no way here to run work as
 * another tenant: that is SystemScope.asTenant, the one named and logged entry.
 */
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
    return store?.systemScope?.crossTenant === true && !store.tenant;
  },

  /**
   * Sets the tenant on the current request's context (the access guard does this once per
   * request, from the token or the hint). Switching an entered tenant to another is refused.
   */
  enter(tenant: TenantRef): void {
    assertTenantRef(tenant);
    const store = RequestContext.current();
    if (!store) throw new Error('No request context to enter a tenant into');
    if (store.tenant && store.tenant.id !== tenant.id)
      throw new Error('The context already acts for another tenant');
    store.tenant = tenant;
  },
};
