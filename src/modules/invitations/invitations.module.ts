import { Module } from '@nestjs/common';
import { AccountTokensModule } from '../account-tokens/account-tokens.module';
import { AuthModule } from '../auth/auth.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { RolesModule } from '../roles/roles.module';
import { UsersModule } from '../users/users.module';
import { InvitationAcceptanceService } from './invitation-acceptance.service';
import { InvitationMailHandler } from './invitation-mail.handler';
import { InvitationThrottle } from './invitation-throttle';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';

/** Invitations: the admin routes, the public preview and accept, and the job that mails the link. */
@Module({
  imports: [AuthModule, UsersModule, RolesModule, OrganizationsModule, AccountTokensModule],
  controllers: [InvitationsController],
  providers: [
    InvitationsRepository,
    InvitationsService,
    InvitationAcceptanceService,
    InvitationThrottle,
    InvitationMailHandler,
  ],
})
export class InvitationsModule {}
