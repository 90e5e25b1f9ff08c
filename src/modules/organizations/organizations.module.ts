import { Module } from '@nestjs/common';
import { TenantDirectory } from '../../tenancy/tenant-directory';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersRepository } from '../users/users.repository';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsRepository } from './organizations.repository';
import { OrganizationsService } from './organizations.service';

@Module({
  imports: [SessionsModule],
  controllers: [OrganizationsController],
  providers: [
    OrganizationsRepository,
    OrganizationsService,
    UsersRepository,
    { provide: TenantDirectory, useExisting: OrganizationsRepository },
  ],
  exports: [OrganizationsRepository, TenantDirectory],
})
export class OrganizationsModule {}
