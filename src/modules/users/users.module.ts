import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { RolesModule } from '../roles/roles.module';
import { UserRolesService } from './user-roles.service';
import { UsersRepository } from './users.repository';

@Module({
  imports: [RolesModule, SessionsModule],
  providers: [UsersRepository, UserRolesService],
  exports: [UsersRepository, UserRolesService],
})
export class UsersModule {}
