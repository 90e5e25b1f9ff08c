import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { EnvelopeInterceptor } from './http/envelope.interceptor';
import { GlobalExceptionFilter } from './http/exception.filter';
import { AppValidationPipe } from './http/validation.pipe';
import { JobsModule } from './jobs/jobs.module';
import { KvModule } from './kv/kv.module';
import { MailModule } from './mail/mail.module';
import type { Metrics } from './metrics/metrics';
import { MetricsModule } from './metrics/metrics.module';
import { OutboxModule } from './outbox/outbox.module';
import { AccessGuard } from './security/access.guard';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { InvitationsModule } from './modules/invitations/invitations.module';
import { MfaEnrolmentGuard } from './modules/mfa/mfa-enrolment.guard';
import { MfaModule } from './modules/mfa/mfa.module';
import { ProductsModule } from './modules/products/products.module';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { PlatformJobsModule } from './modules/platform/platform-jobs.module';
import { PlatformModule } from './modules/platform/platform.module';
import { RolesModule } from './modules/roles/roles.module';
import { UsersModule } from './modules/users/users.module';
import { SecurityModule } from './security/security.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { LoggingModule } from './logging/logging.module';

@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    logger: Logger,
    metrics: Metrics,
    extraImports: DynamicModule['imports'] = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        MetricsModule.forRoot(metrics),
        DatabaseModule,
        KvModule,
        MailModule,
        AuditModule,
        PlatformModule,
        SecurityModule,
        TenancyModule.forRoot(OrganizationsModule),
        JobsModule,
        OutboxModule,
        HealthModule,
        AuthModule,
        MfaModule,
        UsersModule,
        RolesModule,
        OrganizationsModule,
        ProductsModule,
        PlatformJobsModule,
        InvitationsModule,
        ApiKeysModule,
        ...extraImports,
      ],
      // The request pipeline, in one place: deny-by-default access, errors, envelope, validation.
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        // After AccessGuard, on the principal it resolved: a session the MFA policy restricts.
        { provide: APP_GUARD, useExisting: MfaEnrolmentGuard },
        { provide: APP_FILTER, useClass: GlobalExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_PIPE, useClass: AppValidationPipe },
      ],
    };
  }
}
