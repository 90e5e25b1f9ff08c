import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiCookieAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { Principal, TenantRef, UserPrincipal } from '../../context/request-context';
import {
  ApiEnvelope,
  ApiErrorResponse,
  ApiTenantSelectHeader,
  ApiUuidParam,
} from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import {
  Authenticated,
  CurrentPrincipal,
  CurrentTenant,
  CurrentUser,
} from '../../security/decorators';
import { Public } from '../../security/public.decorator';
import { AuditAction } from '../audit/audit-actions';
import { Audited, NotAudited } from '../audit/audited.decorator';
import {
  AuthResponseDto,
  MeResponseDto,
  PasswordChangedResponseDto,
  SessionResponseDto,
  SessionsEndedResponseDto,
  type TokensResponseDto,
  AuthUserResponseDto,
} from './dto/auth-response.dto';
import { ChangePasswordDto, LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto';
import { LoginService } from './login.service';
import { LogoutService } from './logout.service';
import { PasswordChangeService } from './password-change.service';
import { RefreshService } from './refresh.service';
import { RegistrationService } from './registration.service';
import type { IssuedSession } from './session-issuer.service';
import {
  assertCsrfSafe,
  clearRefreshCookie,
  CSRF_HEADER,
  refreshCookieOf,
  sessionTokens,
} from './refresh-cookie';
import type { PendingMfa } from './login.service';
import { MFA_METHODS, MfaChallengeResponseDto } from '../mfa/dto/mfa.dto';
import { AllowedBeforeMfaEnrolment } from '../mfa/mfa-enrolment.guard';

const InvalidCredentials = (description: string) =>
  ApiErrorResponse(401, {
    description,
    code: ErrorCode.INVALID_CREDENTIALS,
    message: 'Invalid email or password',
  });

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly logins: LoginService,
    private readonly refreshes: RefreshService,
    private readonly logouts: LogoutService,
    private readonly passwords: PasswordChangeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Browsers get the refresh token as a cookie; clients that asked for it get it in the body instead. */
  private tokens(issued: IssuedSession, reply: FastifyReply, inBody: boolean): TokensResponseDto {
    return sessionTokens(issued, reply, this.config, inBody);
  }

  /** A password step that needs a second factor answers the challenge, no tokens and no cookie. */
  private signedIn(
    outcome: IssuedSession | PendingMfa,
    reply: FastifyReply,
    inBody: boolean,
  ): AuthResponseDto | MfaChallengeResponseDto {
    if ('mfaToken' in outcome)
      return { mfaRequired: true, mfaToken: outcome.mfaToken, methods: [...MFA_METHODS] };
    return {
      user: AuthUserResponseDto.from(outcome.identity),
      organization: outcome.identity.organization,
      tokens: this.tokens(outcome, reply, inBody),
    };
  }

  @Post('register')
  @Audited(AuditAction.REGISTERED)
  @Public({ tenant: false })
  @ResponseMessage('Organization registered')
  @ApiOperation({
    operationId: 'register',
    summary: 'Create an organization and its first user (admin); signs the user in',
  })
  @ApiEnvelope(AuthResponseDto, { status: 201 })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR, with details per field (a weak or common password, a reserved subdomain)',
  )
  @ApiErrorResponse(409, {
    description: 'Subdomain already taken (CONFLICT)',
    message: 'The subdomain "acme" is already taken',
  })
  @ApiErrorResponse(429, 'Too many registrations from this IP (TOO_MANY_REQUESTS); see Retry-After')
  async register(
    @Body() dto: RegisterDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResponseDto> {
    const { session, organization } = await this.registration.register(dto);
    return {
      user: AuthUserResponseDto.from(session.identity),
      organization: {
        id: organization.id,
        name: organization.name,
        subdomain: organization.subdomain,
        status: organization.status,
        mfaRequired: organization.mfaRequired,
      },
      tokens: this.tokens(session, reply, dto.refreshTokenInBody === true),
    };
  }

  @Post('login')
  @Audited(AuditAction.LOGIN_SUCCEEDED, AuditAction.LOGIN_MFA_CHALLENGED)
  @Public()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged in')
  @ApiOperation({
    operationId: 'login',
    summary: 'Sign in to the organization named by the subdomain or X-Tenant-ID',
  })
  @ApiTenantSelectHeader()
  @ApiEnvelope([AuthResponseDto, MfaChallengeResponseDto], {
    description:
      'Signed in; or, with two-factor authentication on, `mfaRequired: true` and an mfaToken for POST /api/auth/mfa/verify (no tokens, no cookie)',
  })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field), or TENANT_REQUIRED: no subdomain and no X-Tenant-ID',
  )
  @InvalidCredentials(
    'INVALID_CREDENTIALS: same answer for a wrong password, an unknown email and a disabled account',
  )
  @ApiErrorResponse(403, {
    description:
      'EMAIL_NOT_VERIFIED: the password is right, but the organization requires a verified email; a new verification email is sent (at most one a minute, 5 a day)',
    code: ErrorCode.EMAIL_NOT_VERIFIED,
    message: 'Verify your email address first: a new verification email is on its way',
  })
  @ApiErrorResponse(404, {
    description: 'TENANT_NOT_FOUND: the subdomain or X-Tenant-ID names no organization',
    code: ErrorCode.TENANT_NOT_FOUND,
    message: 'Organization not found',
  })
  @ApiErrorResponse(
    429,
    'Locked after too many failures, or too many attempts from this IP (TOO_MANY_REQUESTS); see Retry-After',
  )
  async login(
    @Body() dto: LoginDto,
    @CurrentTenant() tenant: TenantRef | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResponseDto | MfaChallengeResponseDto> {
    const outcome = await this.logins.login(dto, tenant);
    return this.signedIn(outcome, reply, dto.refreshTokenInBody === true);
  }

  @Post('superuser/login')
  @Audited(AuditAction.LOGIN_SUCCEEDED, AuditAction.LOGIN_MFA_CHALLENGED)
  @Public({ tenant: false })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged in')
  @ApiOperation({
    operationId: 'superuserLogin',
    summary: 'Platform superuser sign-in (no tenant); the token only reaches superuser routes',
  })
  @ApiEnvelope([AuthResponseDto, MfaChallengeResponseDto], {
    description: 'Signed in; or `mfaRequired: true` with an mfaToken, as for login',
  })
  @ApiErrorResponse(400, 'VALIDATION_ERROR, with details per field')
  @InvalidCredentials('INVALID_CREDENTIALS')
  @ApiErrorResponse(429, 'Locked after too many failures (TOO_MANY_REQUESTS); see Retry-After')
  async superuserLogin(
    @Body() dto: LoginDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResponseDto | MfaChallengeResponseDto> {
    const outcome = await this.logins.superuserLogin(dto);
    return this.signedIn(outcome, reply, dto.refreshTokenInBody === true);
  }

  @Post('refresh')
  @NotAudited(
    'routine rotation within a session whose login is audited; a reused refresh token is audited as auth.refresh.reuse_detected',
  )
  @Public({ tenant: false })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Tokens refreshed')
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Rotate the refresh token and get a new access token',
    description:
      'Browsers: the refresh_token cookie plus the header `X-CSRF-Protection: 1`. Other clients: `{ "refreshToken": "..." }` in the body; the new one comes back in the body.',
  })
  @ApiCookieAuth('refresh-cookie')
  @ApiHeader({
    name: CSRF_HEADER,
    required: false,
    description: 'Required (value 1) when the cookie is used',
    schema: { type: 'string', enum: ['1'] },
  })
  @ApiEnvelope(AuthResponseDto)
  @ApiErrorResponse(400, 'VALIDATION_ERROR, with details per field')
  @ApiErrorResponse(401, {
    description: 'UNAUTHORIZED: unknown, expired or reused refresh token (reuse ends the session)',
    message: 'Invalid or expired refresh token',
  })
  @ApiErrorResponse(403, {
    description:
      'CSRF_REJECTED: the cookie was sent without `X-CSRF-Protection: 1`, or from an origin not allowed',
    code: ErrorCode.CSRF_REJECTED,
    message: 'Cookie-authenticated requests need the header X-CSRF-Protection: 1',
  })
  async refresh(
    @Body() dto: RefreshDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResponseDto> {
    const fromBody = dto.refreshToken !== undefined;
    if (!fromBody) assertCsrfSafe(request, this.config);
    const session = await this.refreshes.refresh(dto.refreshToken ?? refreshCookieOf(request));
    return {
      user: AuthUserResponseDto.from(session.identity),
      organization: session.identity.organization,
      tokens: this.tokens(session, reply, fromBody),
    };
  }

  @Post('logout')
  @Audited(AuditAction.LOGOUT)
  @Authenticated({ platform: true })
  @AllowedBeforeMfaEnrolment()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged out')
  @ApiOperation({
    operationId: 'logout',
    summary: 'Revoke this access token, end this session and clear the refresh cookie',
  })
  @ApiEnvelope(null)
  async logout(
    @CurrentUser() principal: UserPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<null> {
    await this.logouts.logout(principal);
    clearRefreshCookie(reply, this.config);
    return null;
  }

  @Post('logout-all')
  @Audited(AuditAction.LOGOUT_ALL)
  @Authenticated({ platform: true })
  @AllowedBeforeMfaEnrolment()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged out everywhere')
  @ApiOperation({ operationId: 'logoutAll', summary: 'End every session of the current user' })
  @ApiEnvelope(SessionsEndedResponseDto)
  async logoutAll(
    @CurrentUser() principal: UserPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionsEndedResponseDto> {
    const sessionsEnded = await this.logouts.logoutAll(principal);
    clearRefreshCookie(reply, this.config);
    return { sessionsEnded };
  }

  @Get('me')
  @Authenticated({ platform: true, apiKey: true })
  @AllowedBeforeMfaEnrolment()
  @ApiOperation({
    operationId: 'getMe',
    summary: 'The current user or API key, and the organization',
    description:
      'For a user: `user`, from the session cache. For an API key: `apiKey`, with the key’s own permissions; `user` is null.',
  })
  @ApiEnvelope(MeResponseDto)
  me(@CurrentPrincipal() principal: Principal): MeResponseDto {
    return MeResponseDto.from(principal);
  }

  @Get('sessions')
  @Authenticated({ platform: true })
  @ApiOperation({ operationId: 'listSessions', summary: "The current user's sessions" })
  @ApiEnvelope(SessionResponseDto, { isArray: true })
  async listSessions(@CurrentUser() principal: UserPrincipal): Promise<SessionResponseDto[]> {
    const sessions = await this.logouts.list(principal);
    return sessions.map((session) => SessionResponseDto.from(session, principal.sessionId));
  }

  @Delete('sessions/:id')
  @Audited(AuditAction.SESSION_ENDED)
  @Authenticated({ platform: true })
  @ResponseMessage('Session ended')
  @ApiOperation({ operationId: 'endSession', summary: 'End one of your sessions' })
  @ApiUuidParam('id', 'The session id (GET /api/auth/sessions)')
  @ApiEnvelope(null)
  @ApiErrorResponse(400, 'BAD_REQUEST: the id is not a UUID')
  @ApiErrorResponse(404, {
    description: 'NOT_FOUND: no such session of yours',
    message: 'Session not found',
  })
  async endSession(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<null> {
    await this.logouts.endSession(principal, id);
    return null;
  }

  @Post('change-password')
  @Audited(AuditAction.PASSWORD_CHANGED)
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Password changed')
  @ApiOperation({
    operationId: 'changePassword',
    summary: 'Change the password; every other session ends',
  })
  @ApiEnvelope(PasswordChangedResponseDto)
  @ApiErrorResponse(400, {
    description:
      'INVALID_CREDENTIALS: the current password is wrong; VALIDATION_ERROR: a weak, common or unchanged new password',
    code: ErrorCode.INVALID_CREDENTIALS,
    message: 'The current password is wrong',
  })
  @ApiErrorResponse(429, 'Too many wrong current passwords (TOO_MANY_REQUESTS); see Retry-After')
  async changePassword(
    @CurrentUser() principal: UserPrincipal,
    @Body() dto: ChangePasswordDto,
  ): Promise<PasswordChangedResponseDto> {
    const otherSessionsEnded = await this.passwords.changePassword(
      principal,
      dto.currentPassword,
      dto.newPassword,
    );
    return { otherSessionsEnded };
  }
}
