import { Module } from '@nestjs/common';
import { SessionControl } from './session-control';
import { SessionService } from './session.service';

/**
 * The session store: sessions, refresh tokens, the access-token blacklist and the identity cache.
 * It depends on the key-value store only, so feature modules can import it without cycles.
 */
@Module({
  providers: [SessionService, { provide: SessionControl, useExisting: SessionService }],
  exports: [SessionService, SessionControl],
})
export class SessionsModule {}
