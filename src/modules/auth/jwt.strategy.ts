import type { KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { UserPrincipal } from '../../context/request-context';
import type { AccessTokenAuthenticator } from '../../security/access-token-authenticator';
import { IdentityService } from '../sessions/identity.service';
import { JWT_KEY } from './jwt-key';
import { PLATFORM_ID } from '../../context/platform';
import { type AccessTokenClaims, TOKEN_TYPE_OF } from './token.service';

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

const REFUSED: Promise<false> = Promise.resolve(false);

/**
 * Verifies the bearer token (HS256 only, issuer, audience, expiry, nbf) with the prebuilt key
 * object, then asks IdentityService, in one key-value round trip, whether the token and its
 * session are still alive and who the user is now.
 */
@Injectable()
export class JwtStrategy
  extends PassportStrategy(Strategy, 'jwt')
  implements AccessTokenAuthenticator
{
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(JWT_KEY) key: KeyObject,
    private readonly identities: IdentityService,
    private readonly jwt: JwtService,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // passport-jwt types the key as string | Buffer; jsonwebtoken accepts a KeyObject, which
      // verifies about 40x faster than a string secret that is re-imported on every call.
      secretOrKeyProvider: (
        _request: unknown,
        _token: unknown,
        done: (error: null, key: Buffer) => void,
      ) => done(null, key as unknown as Buffer),
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  /**
   * What the access guard runs on every request: the token passport-jwt extracts, checked by
   * JwtModule's verify options (the same rules as above), then validate(). Called directly
   * rather than through passport.authenticate, whose per-request strategy object, closures and
   * promises cost more CPU than the verification itself, and whose one registry per process
   * made the last app booted in a process check the tokens of every app in it.
   */
  // Not async, nor is validate(): each would add a promise of its own to every request, around
  // the one principalFor returns.
  principalOf(request: { headers: IncomingHttpHeaders }): Promise<UserPrincipal | false> {
    const token = bearerToken(request);
    if (!token) return REFUSED;
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = this.jwt.verify<Partial<AccessTokenClaims>>(token);
    } catch {
      return REFUSED;
    }
    return this.validate(claims);
  }

  validate(claims: Partial<AccessTokenClaims>): Promise<UserPrincipal | false> {
    if (
      !isString(claims.jti) ||
      !isString(claims.sid) ||
      !isString(claims.sub) ||
      typeof claims.exp !== 'number'
    ) {
      return REFUSED;
    }
    // The token type alone decides the principal kind. A tenant token must name an organization
    // other than the platform's pseudo-id; a platform token names none.
    let kind: UserPrincipal['kind'];
    let organizationId: string;
    if (claims.typ === TOKEN_TYPE_OF.tenant) {
      if (!isString(claims.organizationId) || claims.organizationId === PLATFORM_ID) return REFUSED;
      kind = 'tenant';
      organizationId = claims.organizationId;
    } else if (claims.typ === TOKEN_TYPE_OF.platform) {
      if (claims.organizationId !== undefined) return REFUSED;
      kind = 'platform';
      organizationId = PLATFORM_ID;
    } else {
      return REFUSED;
    }
    return this.identities.principalFor({
      kind,
      userId: claims.sub,
      organizationId,
      sessionId: claims.sid,
      tokenId: claims.jti,
      expiresAt: claims.exp,
    });
  }
}
