import { Global, Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.service';

/** One PasswordHasher per process, so its concurrency limit holds across every feature. */
@Global()
@Module({ providers: [PasswordHasher], exports: [PasswordHasher] })
export class SecurityModule {}
