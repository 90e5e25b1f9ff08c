import { Global, Module } from '@nestjs/common';
import { OrganizationsModule } from '../modules/organizations/organizations.module';
import { SystemScope } from './system-scope.service';
import { TenantResolver } from './tenant-resolver.service';

@Global()
@Module({
  imports: [OrganizationsModule],
  providers: [SystemScope, TenantResolver],
  exports: [SystemScope, TenantResolver],
})
export class TenancyModule {}
