import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { SystemScopeModule } from './system-scope.module';
import { TenantResolver } from './tenant-resolver.service';

@Module({})
export class TenancyModule {
  /** `directory` is the module that provides TenantDirectory, named by the app's wiring. */
  static forRoot(directory: Type<unknown>): DynamicModule {
    return {
      module: TenancyModule,
      global: true,
      imports: [directory, SystemScopeModule],
      providers: [TenantResolver],
      exports: [TenantResolver],
    };
  }
}
