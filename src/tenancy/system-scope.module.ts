import { Global, Module } from '@nestjs/common';
import { SystemScope } from './system-scope.service';

/** SystemScope on its own, for the app (through TenancyModule) and for commands without HTTP. */
@Global()
@Module({
  providers: [SystemScope],
  exports: [SystemScope],
})
export class SystemScopeModule {}
