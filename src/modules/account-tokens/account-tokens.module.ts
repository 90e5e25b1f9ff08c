import { Module } from '@nestjs/common';
import { AccountTokensRepository } from './account-tokens.repository';
import { AccountTokens } from './account-tokens.service';

/** Single-use, purpose-bound account tokens; the flows that email them import this module. */
@Module({
  providers: [AccountTokensRepository, AccountTokens],
  exports: [AccountTokens],
})
export class AccountTokensModule {}
