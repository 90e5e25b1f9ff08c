import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/** Claims of our access tokens. `typ` is unique to them: no other token we issue is a JWT. */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  organizationId: string;
  roles: string[];
  sid: string;
  typ: 'access';
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

export const ACCESS_TOKEN_TYPE = 'access';

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  signAccessToken(subject: {
    userId: string;
    email: string;
    organizationId: string;
    roles: string[];
    sessionId: string;
  }): {
    accessToken: string;
    expiresIn: number;
  } {
    const accessToken = this.jwt.sign(
      {
        email: subject.email,
        organizationId: subject.organizationId,
        roles: subject.roles,
        sid: subject.sessionId,
        typ: ACCESS_TOKEN_TYPE,
      },
      { subject: subject.userId, jwtid: randomUUID(), expiresIn: this.config.jwt.accessTtlSeconds },
    );
    return { accessToken, expiresIn: this.config.jwt.accessTtlSeconds };
  }
}
