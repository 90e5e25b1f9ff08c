import { Injectable } from '@nestjs/common';
import type { CachedIdentity } from '../../context/identity';
import { RequestContext, type UserPrincipal } from '../../context/request-context';
import { sessionKindOf } from '../sessions/session-kind';
import { PASSWORD_ONLY, SessionService } from '../sessions/session.service';
import { TokenService } from './token.service';

export interface IssuedSession {
  sessionId: string;
  identity: CachedIdentity;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

/** Opens a session for an identity that just proved who it is, and signs its access tokens. */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
  ) {}

  /** `amr`: how the sign-in was proven, recorded on the session and carried by its tokens. */
  async open(
    identity: CachedIdentity,
    amr: readonly string[] = PASSWORD_ONLY,
  ): Promise<IssuedSession> {
    const context = RequestContext.current();
    const { session, refreshToken } = await this.sessions.create(
      identity.user.id,
      identity.organization.id,
      { userAgent: context?.userAgent, ip: context?.ip },
      amr,
    );
    return {
      ...this.accessTokenFor(identity, session.id, amr),
      sessionId: session.id,
      identity,
      refreshToken,
    };
  }

  accessTokenFor(
    identity: CachedIdentity,
    sessionId: string,
    amr: readonly string[],
  ): { accessToken: string; expiresIn: number } {
    const kind: UserPrincipal['kind'] = sessionKindOf(identity.organization.id);
    return this.tokens.signAccessToken({
      kind,
      userId: identity.user.id,
      email: identity.user.email,
      organizationId: kind === 'tenant' ? identity.organization.id : undefined,
      roles: identity.user.roles,
      sessionId,
      amr,
    });
  }
}
