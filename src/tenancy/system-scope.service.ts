import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { type ContextStore, RequestContext, type TenantRef } from '../context/request-context';
import { LOGGER } from '../logging/logger';
import { SystemScopeAuditor } from './system-scope-auditor';
import { assertTenantRef } from './tenant-context';

/**
 * The only two ways around the request's own tenant, both named by a reason (grep
 * `SystemScope` / `asTenant(` to find every use; src/tenancy/escape-hatches.spec.ts fails when
 * code opens a context any other way):
 *
 * - `run(reason, work)`: across every tenant, for rare platform-level work. Writes an audit row
 *   before the work starts.
 * - `asTenant(tenant, reason, work)`: as one tenant outside that tenant's requests (signup,
 *   refresh, identity rebuild, the demo seed, status changes, CLIs). It writes no row, because
 *   identity rebuild and refresh run on per-request paths; instead it logs the entry and puts
 *   the reason in the context, so every log line and every audit row written inside carries it.
 */
@Injectable()
export class SystemScope {
  constructor(
    private readonly auditor: SystemScopeAuditor,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run<T>(reason: string, work: () => Promise<T>): Promise<T> {
    requireReason(reason);
    await this.auditor.scopeEntered(reason);
    return openScope({ systemScope: { reason, crossTenant: true } }, work);
  }

  async asTenant<T>(tenant: TenantRef, reason: string, work: () => Promise<T>): Promise<T> {
    assertTenantRef(tenant);
    requireReason(reason);
    this.logger.info({ systemScope: reason, organizationId: tenant.id }, 'acting as tenant');
    return openScope(
      {
        // Only the two fields: an entity handed in as the tenant is not kept in the context.
        tenant: { id: tenant.id, subdomain: tenant.subdomain },
        systemScope: { reason, crossTenant: false },
      },
      work,
    );
  }
}

function requireReason(reason: string): void {
  if (!reason.trim()) throw new Error('SystemScope needs a reason');
}

/** A child of the current context (its request id, client and principal stay on the logs). */
function openScope<T>(
  scope: Pick<ContextStore, 'tenant' | 'systemScope'>,
  work: () => Promise<T>,
): Promise<T> {
  const parent = RequestContext.current();
  const store: ContextStore = {
    requestId: parent?.requestId ?? `system-${randomUUID()}`,
    ip: parent?.ip,
    userAgent: parent?.userAgent,
    principal: parent?.principal,
    ...scope,
  };
  return RequestContext.run(store, work);
}
