import type { KeyObject } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AccountTokensModule } from '../account-tokens/account-tokens.module';
import { MfaModule } from '../mfa/mfa.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { RolesModule } from '../roles/roles.module';
import { UsersModule } from '../users/users.module';
import { AccountMailLimit } from './account-mail-limit';
import { EmailChangeMailJob, EmailChangedMailJob, VerifyEmailMailJob } from './account-email.jobs';
import { AuthController } from './auth.controller';
import { EmailChangeController } from './email-change.controller';
import { EmailChangeService } from './email-change.service';
import { EmailVerificationController } from './email-verification.controller';
import { EmailVerificationService } from './email-verification.service';
import { MfaLoginController } from './mfa-login.controller';
import { MfaLoginService } from './mfa-login.service';
import { EmailRateLimit } from './email-rate-limit';
import { buildJwtKey, JWT_KEY } from './jwt-key';
import { JwtStrategy } from './jwt.strategy';
import { AccessTokenAuthenticator } from '../../security/access-token-authenticator';
import { LoginThrottle } from './login-throttle';
import { LoginService } from './login.service';
import { LogoutService } from './logout.service';
import { PasswordChangeService } from './password-change.service';
import { PasswordChangedMailHandler, PasswordResetMailHandler } from './password-mail.jobs';
import { PasswordResetController } from './password-reset.controller';
import { PasswordResetService } from './password-reset.service';
import { RefreshService } from './refresh.service';
import { RegistrationService } from './registration.service';
import { SessionIssuer } from './session-issuer.service';
import { IdentityModule } from '../sessions/identity.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokenService } from './token.service';

@Module({
  imports: [
    PassportModule,
    SessionsModule,
    IdentityModule,
    OrganizationsModule,
    UsersModule,
    RolesModule,
    AccountTokensModule,
    MfaModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG, JWT_KEY],
      extraProviders: [
        {
          provide: JWT_KEY,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => buildJwtKey(config.jwt.secret),
        },
      ],
      useFactory: (config: AppConfig, key: KeyObject) => ({
        secret: key,
        signOptions: {
          algorithm: 'HS256',
          issuer: config.jwt.issuer,
          audience: config.jwt.audience,
        },
        verifyOptions: {
          algorithms: ['HS256'],
          issuer: config.jwt.issuer,
          audience: config.jwt.audience,
        },
      }),
    }),
  ],
  controllers: [
    AuthController,
    EmailVerificationController,
    EmailChangeController,
    MfaLoginController,
    PasswordResetController,
  ],
  providers: [
    {
      provide: JWT_KEY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => buildJwtKey(config.jwt.secret),
    },
    TokenService,
    JwtStrategy,
    // The access guard checks bearer tokens through this port (src/security).
    { provide: AccessTokenAuthenticator, useExisting: JwtStrategy },
    LoginThrottle,
    SessionIssuer,
    RegistrationService,
    LoginService,
    RefreshService,
    LogoutService,
    PasswordChangeService,
    AccountMailLimit,
    EmailVerificationService,
    EmailChangeService,
    VerifyEmailMailJob,
    EmailChangeMailJob,
    EmailChangedMailJob,
    MfaLoginService,
    EmailRateLimit,
    PasswordResetService,
    PasswordResetMailHandler,
    PasswordChangedMailHandler,
  ],
  // SessionIssuer: invitations sign the new user in as login does.
  exports: [JWT_KEY, SessionIssuer, AccessTokenAuthenticator],
})
export class AuthModule {}
