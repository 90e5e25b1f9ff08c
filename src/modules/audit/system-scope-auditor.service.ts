import { Injectable } from '@nestjs/common';
import { SystemScopeAuditor } from '../../tenancy/system-scope-auditor';
import { AuditAction } from './audit-actions';
import { AuditService } from './audit.service';

/** SystemScope.run's audit row: outside every tenant, with the reason in its metadata. */
@Injectable()
export class AuditSystemScopeAuditor implements SystemScopeAuditor {
  constructor(private readonly audit: AuditService) {}

  scopeEntered(reason: string): Promise<void> {
    return this.audit.record({
      action: AuditAction.SYSTEM_SCOPE_ENTERED,
      organizationId: null,
      metadata: { reason },
    });
  }
}
