import { Module } from '@nestjs/common';
import { OrganizationsRepository } from '../../modules/organizations/organizations.repository';
import { ProductsModule } from '../../modules/products/products.module';
import { RolesRepository } from '../../modules/roles/roles.repository';
import { UsersRepository } from '../../modules/users/users.repository';
import { DemoSeeder } from './demo-seeder.service';

/**
 * What the seed needs on top of the command context (src/cli/cli-support.ts). The identity
 * repositories are provided here directly rather than through their feature modules, which
 * pull in session handling and with it the key-value store (Redis) that seeding never uses.
 */
@Module({
  imports: [ProductsModule],
  providers: [OrganizationsRepository, RolesRepository, UsersRepository, DemoSeeder],
  exports: [DemoSeeder],
})
export class SeedModule {}
