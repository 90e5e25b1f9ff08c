import { Global, Module } from '@nestjs/common';
import { SuperusersRepository } from './superusers.repository';

@Global()
@Module({ providers: [SuperusersRepository], exports: [SuperusersRepository] })
export class PlatformModule {}
