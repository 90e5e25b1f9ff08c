import { Injectable } from '@nestjs/common';
import { type ContextStore, RequestContext } from '../context/request-context';
import { AuditAction, AuditService } from '../modules/audit/audit.service';

/**
 * The one way to run tenant-scoped repositories across every tenant: platform-level work
 * (superuser listings, maintenance scripts). Each entry is written to the audit log with its
 * reason; grep for `SystemScope` to find every use.
 */
@Injectable()
export class SystemScope {
  constructor(private readonly audit: AuditService) {}

  async run<T>(reason: string, work: () => Promise<T>): Promise<T> {
    if (!reason.trim()) throw new Error('SystemScope.run needs a reason');
    await this.audit.record({
      action: AuditAction.SYSTEM_SCOPE_ENTERED,
      organizationId: null,
      metadata: { reason },
    });
    const parent = RequestContext.current();
    const store: ContextStore = {
      requestId: parent?.requestId ?? `system-${Date.now().toString(36)}`,
      ip: parent?.ip,
      userAgent: parent?.userAgent,
      principal: parent?.principal,
      systemScope: reason,
    };
    return RequestContext.run(store, work);
  }
}
