import { AsyncLocalStorage } from 'node:async_hooks';
import type { CachedIdentity } from './identity';

/** The organization a piece of work acts for. */
export interface TenantRef {
  id: string;
  subdomain: string;
}

/**
 * Who a principal is: a user of one organization, or a platform operator (a row of the
 * `superusers` table). The kind comes from the token's type, never from a role name.
 */
export type PrincipalKind = 'tenant' | 'platform';

/** The authenticated principal of a request, taken from the token and the session cache. */
export interface Principal {
  kind: PrincipalKind;
  userId: string;
  organizationId: string;
  email: string;
  roles: string[];
  permissions: string[];
  sessionId: string;
  tokenId: string;
  tokenExpiresAt: number;
  /** The user and organization as the session cache holds them now. */
  identity: CachedIdentity;
}

/** Why work runs outside a tenant's own requests; set only by SystemScope. */
export interface SystemScopeMark {
  readonly reason: string;
  /** True for SystemScope.run (every tenant), false for SystemScope.asTenant (one tenant). */
  readonly crossTenant: boolean;
}

/** Longest User-Agent kept (sessions, audit rows): a longer header is cut where the request starts. */
export const MAX_USER_AGENT_LENGTH = 512;

/**
 * Per-request (or per-job) state. Created once when work starts; guards fill in the tenant
 * and principal as they learn them. Only the request hook and SystemScope open one
 * (src/tenancy/escape-hatches.spec.ts enforces it).
 */
export interface ContextStore {
  readonly requestId: string;
  readonly ip?: string;
  readonly userAgent?: string;
  tenant?: TenantRef;
  principal?: Principal;
  readonly systemScope?: SystemScopeMark;
}

const storage = new AsyncLocalStorage<ContextStore>();

export const RequestContext = {
  run<T>(store: ContextStore, work: () => T): T {
    return storage.run(store, work);
  },
  current(): ContextStore | undefined {
    return storage.getStore();
  },
};
