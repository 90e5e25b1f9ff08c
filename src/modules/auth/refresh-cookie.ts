import { fastifyCookie } from '@fastify/cookie';
import { HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import type { TokensResponseDto } from './dto/auth-response.dto';
import type { IssuedSession } from './session-issuer.service';

export const REFRESH_COOKIE = 'refresh_token';
export const REFRESH_COOKIE_PATH = '/api/auth';
/** Browsers must send this header on cookie-authenticated calls; a cross-site form or image cannot. */
export const CSRF_HEADER = 'x-csrf-protection';

/*
 * The refresh cookie is read and written here, on the few routes that use it, with
 * @fastify/cookie's parser and serializer. The plugin itself is not registered: it would parse
 * the Cookie header and run an onSend hook on every request of every route.
 */

const attributes = (config: AppConfig) => ({
  httpOnly: true,
  secure: config.auth.secureCookies,
  sameSite: 'strict' as const,
  path: REFRESH_COOKIE_PATH,
});

/** The refresh token the request's Cookie header carries, if any. */
export function refreshCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? fastifyCookie.parse(header)[REFRESH_COOKIE] : undefined;
}

export function setRefreshCookie(reply: FastifyReply, config: AppConfig, token: string): void {
  void reply.header(
    'set-cookie',
    fastifyCookie.serialize(REFRESH_COOKIE, token, {
      ...attributes(config),
      maxAge: config.jwt.refreshTtlSeconds,
    }),
  );
}

/**
 * The tokens of a new session as every sign-in answers them: browsers get the refresh token
 * as a cookie, clients that asked for it (refreshTokenInBody) get it in the body instead.
 */
export function sessionTokens(
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

/** Expired at once: the browser drops it. */
export function clearRefreshCookie(reply: FastifyReply, config: AppConfig): void {
  void reply.header(
    'set-cookie',
    fastifyCookie.serialize(REFRESH_COOKIE, '', { ...attributes(config), expires: new Date(1) }),
  );
}

/**
 * CSRF defence for requests that authenticate with the cookie: the custom header forces a
 * CORS preflight (only CORS_ORIGINS pass it), and an Origin, when sent, must be listed or be
 * this API's own origin.
 */
export function assertCsrfSafe(request: FastifyRequest, config: AppConfig): void {
  const refuse = (message: string) =>
    new AppException(HttpStatus.FORBIDDEN, ErrorCode.CSRF_REJECTED, message);
  if (request.headers[CSRF_HEADER] !== '1')
    throw refuse(`Cookie-authenticated requests need the header X-CSRF-Protection: 1`);
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const ownOrigin = `${request.protocol}://${request.headers.host ?? ''}`;
  if (origin !== ownOrigin && !config.corsOrigins.includes(origin))
    throw refuse('Origin not allowed');
}
