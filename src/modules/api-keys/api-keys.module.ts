import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../../security/api-key-authenticator';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ApiKeyAuthenticatorService } from './api-key-authenticator.service';
import { ApiKeySecrets } from './api-key-secrets';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

@Module({
  imports: [OrganizationsModule],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeySecrets,
    ApiKeysService,
    // The port the global AccessGuard authenticates keys through (security cannot import a feature).
    { provide: ApiKeyAuthenticator, useClass: ApiKeyAuthenticatorService },
  ],
  exports: [ApiKeyAuthenticator],
})
export class ApiKeysModule {}
