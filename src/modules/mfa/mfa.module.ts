import { Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { LoginThrottle } from '../auth/login-throttle';
import { OrganizationsModule } from '../organizations/organizations.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaAccounts } from './mfa-accounts';
import { MfaChallenges } from './mfa-challenges';
import { MfaController } from './mfa.controller';
import { MfaEnrolment } from './mfa-enrolment.service';
import { MfaEnrolmentGuard } from './mfa-enrolment.guard';
import { MfaFactorsRepository } from './mfa-factors.repository';
import { MfaNoticeHandler } from './mfa-notice.handler';
import { MfaReset } from './mfa-reset.service';
import { SecondFactor } from './second-factor.service';
import { SecretBox } from './secret-box';
import { UsersMfaController } from './users-mfa.controller';

/**
 * TOTP two-factor authentication: enrolment, recovery codes, the organization policy's guard,
 * the administrator's reset and the notice mail. The sign-in's second step is in auth, which
 * uses SecondFactor and MfaChallenges from here.
 */
@Module({
  imports: [SessionsModule, UsersModule, OrganizationsModule],
  controllers: [MfaController, UsersMfaController],
  providers: [
    {
      provide: SecretBox,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new SecretBox(config.mfa.encryptionKey, config.mfa.previousKey),
    },
    // Stateless (its counters live in the key-value store): the same limits as in auth.
    LoginThrottle,
    MfaFactorsRepository,
    MfaAccounts,
    SecondFactor,
    MfaChallenges,
    MfaEnrolment,
    MfaReset,
    MfaEnrolmentGuard,
    MfaNoticeHandler,
  ],
  exports: [SecondFactor, MfaChallenges, MfaEnrolmentGuard],
})
export class MfaModule {}
