import type { KeyObject } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AccessGuard } from '../../security/access.guard';
import { OrganizationsModule } from '../organizations/organizations.module';
import { RolesModule } from '../roles/roles.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { IdentityService } from './identity.service';
import { buildJwtKey, JWT_KEY } from './jwt-key';
import { JwtStrategy } from './jwt.strategy';
import { SessionsModule } from './sessions.module';
import { TokenService } from './token.service';

@Module({
  imports: [
    PassportModule,
    SessionsModule,
    OrganizationsModule,
    UsersModule,
    RolesModule,
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
  controllers: [AuthController],
  providers: [
    {
      provide: JWT_KEY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => buildJwtKey(config.jwt.secret),
    },
    AuthService,
    TokenService,
    IdentityService,
    JwtStrategy,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [IdentityService, JWT_KEY],
})
export class AuthModule {}
