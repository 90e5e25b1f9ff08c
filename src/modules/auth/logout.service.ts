import { HttpStatus, Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { type SessionRecord, SessionService } from '../sessions/session.service';

/** A signed-in user's own sessions: list them, end one, end this one, end them all. */
@Injectable()
export class LogoutService {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  list(principal: UserPrincipal): Promise<SessionRecord[]> {
    return this.sessions.listForUser(principal.userId);
  }

  async logout(principal: UserPrincipal): Promise<void> {
    await this.sessions.blacklist(principal.tokenId, principal.tokenExpiresAt);
    await this.sessions.end(principal.userId, principal.sessionId);
    await this.audit.record({
      action: AuditAction.LOGOUT,
      metadata: { sessionId: principal.sessionId },
    });
  }

  async logoutAll(principal: UserPrincipal): Promise<number> {
    await this.sessions.blacklist(principal.tokenId, principal.tokenExpiresAt);
    const ended = await this.sessions.endAll(principal.userId);
    await this.audit.record({ action: AuditAction.LOGOUT_ALL, metadata: { sessionsEnded: ended } });
    return ended;
  }

  async endSession(principal: UserPrincipal, sessionId: string): Promise<void> {
    const owned = (await this.sessions.get(sessionId))?.userId === principal.userId;
    if (!owned || !(await this.sessions.end(principal.userId, sessionId))) {
      throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Session not found');
    }
    if (sessionId === principal.sessionId)
      await this.sessions.blacklist(principal.tokenId, principal.tokenExpiresAt);
    await this.audit.record({ action: AuditAction.SESSION_ENDED, metadata: { sessionId } });
  }
}
