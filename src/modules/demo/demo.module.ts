import { Module } from '@nestjs/common';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { ProductsModule } from '../products/products.module';
import { RolesRepository } from '../roles/roles.repository';
import { UsersRepository } from '../users/users.repository';
import { DemoSeeder } from './demo-seeder.service';

/**
 * The demo seed, as `npm run seed` runs it (src/cli/demo-seed.ts): what it needs on top of the
 * command context (src/cli/cli-support.ts). The identity repositories are provided here
 * directly rather than through their feature modules, which pull in session handling and with
 * it the key-value store (Redis) that seeding never uses.
 */
@Module({
  imports: [ProductsModule],
  providers: [OrganizationsRepository, RolesRepository, UsersRepository, DemoSeeder],
  exports: [DemoSeeder],
})
export class DemoModule {}
