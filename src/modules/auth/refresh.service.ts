import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { Metrics, type RefreshOutcome } from '../../metrics/metrics';
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

/** How a refresh ended; every way but success answers the same 401. */
type Attempt =
  | { outcome: 'success'; session: IssuedSession }
  | { outcome: Exclude<RefreshOutcome, 'success' | 'error'> };

/** Refresh-token rotation: a new access token for the identity as the database has it now. */
@Injectable()
export class RefreshService {
  constructor(
    private readonly sessions: SessionService,
    private readonly identities: IdentityService,
    private readonly issuer: SessionIssuer,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Reuse of a rotated token (outside the grace window) ends the whole session and is audited;
   * an unknown or malformed token is a plain 401. A user or organization that may no longer act
   * loses the session.
   */
  async refresh(presented: string | undefined): Promise<IssuedSession> {
    let attempt: Attempt;
    try {
      attempt = await this.attempt(presented);
    } catch (error) {
      this.metrics.refreshes.inc({ outcome: 'error' });
      throw error;
    }
    this.metrics.refreshes.inc({ outcome: attempt.outcome });
    if (attempt.outcome !== 'success') throw invalidRefreshToken();
    return attempt.session;
  }

  private async attempt(presented: string | undefined): Promise<Attempt> {
    if (!presented) return { outcome: 'invalid' };
    const rotation = await this.sessions.rotate(presented);
    if (rotation.outcome === 'reuse') {
      const { session } = rotation;
      await this.audit.record({
        action: AuditAction.REFRESH_REUSE_DETECTED,
        organizationId: session?.organizationId ?? null,
        userId: session?.userId ?? null,
        metadata: { sessionId: rotation.sessionId },
      });
      return { outcome: 'reuse' };
    }
    if (rotation.outcome === 'invalid') return { outcome: 'invalid' };
    const { session, refreshToken } = rotation;
    const identity = await this.identities.rebuild(session.organizationId, session.userId);
    if (
      !identity ||
      identity.user.status !== 'active' ||
      identity.organization.status !== 'active'
    ) {
      await this.sessions.end(session.organizationId, session.userId, session.id);
      return { outcome: 'inactive' };
    }
    return {
      outcome: 'success',
      session: {
        ...this.issuer.accessTokenFor(identity, session.id, session.amr ?? PASSWORD_ONLY),
        sessionId: session.id,
        identity,
        refreshToken,
      },
    };
  }
}
