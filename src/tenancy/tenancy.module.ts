import { Global, Module } from '@nestjs/common';
import { OrganizationsModule } from '../modules/organizations/organizations.module';
import { SystemScopeModule } from './system-scope.module';
import { TenantResolver } from './tenant-resolver.service';

@Global()
@Module({
  imports: [OrganizationsModule, SystemScopeModule],
  providers: [TenantResolver],
  exports: [TenantResolver],
})
export class TenancyModule {}
