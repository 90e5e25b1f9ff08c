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
    return this.sessions.listForUser(principal.organizationId, principal.userId);
  }

  async logout(principal: UserPrincipal): Promise<void> {
    const { organizationId, userId, sessionId } = principal;
    await this.blacklist(principal);
    await this.sessions.end(organizationId, userId, sessionId);
    await this.audit.record({
      action: AuditAction.LOGOUT,
      metadata: { sessionId: principal.sessionId },
    });
  }

  async logoutAll(principal: UserPrincipal): Promise<number> {
    await this.blacklist(principal);
    const ended = await this.sessions.endAll(principal.organizationId, principal.userId);
    await this.audit.record({ action: AuditAction.LOGOUT_ALL, metadata: { sessionsEnded: ended } });
    return ended;
  }

  async endSession(principal: UserPrincipal, sessionId: string): Promise<void> {
    const { organizationId, userId } = principal;
    const owned = (await this.sessions.get(organizationId, sessionId))?.userId === userId;
    if (!owned || !(await this.sessions.end(organizationId, userId, sessionId))) {
      throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Session not found');
    }
    if (sessionId === principal.sessionId) await this.blacklist(principal);
    await this.audit.record({ action: AuditAction.SESSION_ENDED, metadata: { sessionId } });
  }

  private blacklist(principal: UserPrincipal): Promise<void> {
    const { organizationId, tokenId, tokenExpiresAt } = principal;
    return this.sessions.blacklist(organizationId, tokenId, tokenExpiresAt);
  }
}
