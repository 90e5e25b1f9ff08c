import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { IdentityService } from '../sessions/identity.service';
import { PASSWORD_ONLY, SessionService } from '../sessions/session.service';
import { type IssuedSession, SessionIssuer } from './session-issuer.service';

const invalidRefreshToken = () =>
  new AppException(
    HttpStatus.UNAUTHORIZED,
    ErrorCode.UNAUTHORIZED,
    'Invalid or expired refresh token',
  );

/** Refresh-token rotation: a new access token for the identity as the database has it now. */
@Injectable()
export class RefreshService {
  constructor(
    private readonly sessions: SessionService,
    private readonly identities: IdentityService,
    private readonly issuer: SessionIssuer,
    private readonly audit: AuditService,
  ) {}

  /**
   * Reuse of a rotated token (outside the grace window) ends the whole session and is audited;
   * an unknown or malformed token is a plain 401. A user or organization that may no longer act
   * loses the session.
   */
  async refresh(presented: string | undefined): Promise<IssuedSession> {
    if (!presented) throw invalidRefreshToken();
    const rotation = await this.sessions.rotate(presented);
    if (rotation.outcome === 'reuse') {
      const { session } = rotation;
      await this.audit.record({
        action: AuditAction.REFRESH_REUSE_DETECTED,
        organizationId: session?.organizationId ?? null,
        userId: session?.userId ?? null,
        metadata: { sessionId: rotation.sessionId },
      });
      throw invalidRefreshToken();
    }
    if (rotation.outcome === 'invalid') throw invalidRefreshToken();
    const { session, refreshToken } = rotation;
    const identity = await this.identities.rebuild(session.organizationId, session.userId);
    if (
      !identity ||
      identity.user.status !== 'active' ||
      identity.organization.status !== 'active'
    ) {
      await this.sessions.end(session.organizationId, session.userId, session.id);
      throw invalidRefreshToken();
    }
    return {
      ...this.issuer.accessTokenFor(identity, session.id, session.amr ?? PASSWORD_ONLY),
      sessionId: session.id,
      identity,
      refreshToken,
    };
  }
}
