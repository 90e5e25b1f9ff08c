import { Global, Module } from '@nestjs/common';
import { SystemScope } from './system-scope.service';

/**
 * SystemScope on its own, for the app (through TenancyModule) and for commands without HTTP.
 * Its SystemScopeAuditor comes from whichever global module provides it (AuditModule).
 */
@Global()
@Module({
  providers: [SystemScope],
  exports: [SystemScope],
})
export class SystemScopeModule {}
