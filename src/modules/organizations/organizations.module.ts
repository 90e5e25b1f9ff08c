import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersRepository } from '../users/users.repository';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsRepository } from './organizations.repository';
import { OrganizationsService } from './organizations.service';

@Module({
  imports: [SessionsModule],
  controllers: [OrganizationsController],
  providers: [OrganizationsRepository, OrganizationsService, UsersRepository],
  exports: [OrganizationsRepository],
})
export class OrganizationsModule {}
