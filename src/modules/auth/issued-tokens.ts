import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import type { TokensResponseDto } from './dto/auth-response.dto';
import { setRefreshCookie } from './refresh-cookie';
import type { IssuedSession } from './session-issuer.service';

/** Browsers get the refresh token as a cookie; clients that asked for it get it in the body instead. */
export function issuedTokens(
  issued: IssuedSession,
  reply: FastifyReply,
  config: AppConfig,
  inBody: boolean,
): TokensResponseDto {
  if (!inBody) setRefreshCookie(reply, config, issued.refreshToken);
  return {
    accessToken: issued.accessToken,
    tokenType: 'Bearer',
    expiresIn: issued.expiresIn,
    ...(inBody ? { refreshToken: issued.refreshToken } : {}),
  };
}
