import { AsyncLocalStorage } from 'node:async_hooks';
import type { RateVerdict } from '../rate-limit/gcra';
import type { CachedIdentity } from './identity';

/** The organization a piece of work acts for. */
export interface TenantRef {
  id: string;
  subdomain: string;
}

/**
 * Who a principal is: a user of one organization, a platform operator (a row of the
 * `superusers` table), or an API key of one organization. The kind comes from the credential
 * (the token's type, or the `sk_` key format), never from a role name.
 */
export type PrincipalKind = 'tenant' | 'platform' | 'api_key';

/** A person signed in with a session: a tenant user or a platform operator. */
export interface UserPrincipal {
  kind: 'tenant' | 'platform';
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

/** An organization's API key: it acts for that organization with its own permissions only, as no user. */
export interface ApiKeyPrincipal {
  kind: 'api_key';
  /** A key is nobody: rows it writes name the key (audit metadata.actor), never a user. */
  userId: null;
  apiKeyId: string;
  apiKeyName: string;
  organizationId: string;
  organization: CachedIdentity['organization'];
  permissions: string[];
}

/** The authenticated principal of a request. */
export type Principal = UserPrincipal | ApiKeyPrincipal;

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
  /** The general rate limit's verdict on this request; the access guard writes its headers. */
  rateLimit?: RateVerdict;
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
