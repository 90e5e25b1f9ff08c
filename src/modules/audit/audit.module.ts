import { Global, Module } from '@nestjs/common';
import { SystemScopeAuditor } from '../../tenancy/system-scope-auditor';
import { AuditLogsController } from './audit-logs.controller';
import { AuditLogsRepository } from './audit-logs.repository';
import { AuditService } from './audit.service';
import { AuditSystemScopeAuditor } from './system-scope-auditor.service';

@Global()
@Module({
  controllers: [AuditLogsController],
  providers: [
    AuditService,
    AuditLogsRepository,
    // Global, so SystemScopeModule finds it without importing a feature.
    { provide: SystemScopeAuditor, useClass: AuditSystemScopeAuditor },
  ],
  exports: [AuditService, SystemScopeAuditor],
})
export class AuditModule {}
