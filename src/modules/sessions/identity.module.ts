import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { IdentityService } from './identity.service';
import { SessionsModule } from './sessions.module';

/** Who a session's bearer is now: the cached identity, rebuilt from the database on a miss. */
@Module({
  imports: [SessionsModule, UsersModule, OrganizationsModule],
  providers: [IdentityService],
  exports: [IdentityService],
})
export class IdentityModule {}
