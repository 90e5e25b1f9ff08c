import { Module } from '@nestjs/common';
import { SessionService } from './session.service';

/** Session storage on its own, so feature modules can end sessions without depending on AuthModule. */
@Module({ providers: [SessionService], exports: [SessionService] })
export class SessionsModule {}
