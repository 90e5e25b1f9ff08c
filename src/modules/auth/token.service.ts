import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { UserPrincipal } from '../../context/request-context';

/**
 * The token type names the kind of principal: `access` for a user of an organization, `platform`
 * for a platform operator. No other token we issue is a JWT, and the kind is never read from
 * anything a tenant controls (such as a role name).
 */
export const TOKEN_TYPE_OF: Record<UserPrincipal['kind'], string> = {
  tenant: 'access',
  platform: 'platform',
};

/** Claims of our access tokens. Platform tokens carry no organizationId. */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  organizationId?: string;
  roles: string[];
  sid: string;
  /** How the session's sign-in was proven: `["pwd"]` or `["pwd","otp"]` (RFC 8176). */
  amr: string[];
  typ: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

export interface TokenSubject {
  kind: UserPrincipal['kind'];
  userId: string;
  email: string;
  /** Tenant principals only. */
  organizationId?: string;
  roles: string[];
  sessionId: string;
  amr: readonly string[];
}

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  signAccessToken(subject: TokenSubject): { accessToken: string; expiresIn: number } {
    const accessToken = this.jwt.sign(
      {
        email: subject.email,
        ...(subject.kind === 'tenant' ? { organizationId: subject.organizationId } : {}),
        roles: subject.roles,
        sid: subject.sessionId,
        amr: subject.amr,
        typ: TOKEN_TYPE_OF[subject.kind],
      },
      { subject: subject.userId, jwtid: randomUUID(), expiresIn: this.config.jwt.accessTtlSeconds },
    );
    return { accessToken, expiresIn: this.config.jwt.accessTtlSeconds };
  }
}
