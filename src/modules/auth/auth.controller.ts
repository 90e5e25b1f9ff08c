import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCookieAuth,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { Principal, TenantRef } from '../../context/request-context';
import { ResponseMessage } from '../../http/envelope';
import { Authenticated, CurrentTenant, CurrentUser } from '../../security/decorators';
import { Public } from '../../security/public.decorator';
import { type IssuedSession, AuthService } from './auth.service';
import { AuthResultDto, MeResponseDto, SessionResponseDto, type TokensDto, UserResponseDto } from './dto/auth-response.dto';
import { ChangePasswordDto, LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto';
import { SessionService } from './session.service';
import { assertCsrfSafe, clearRefreshCookie, CSRF_HEADER, REFRESH_COOKIE, setRefreshCookie } from './refresh-cookie';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Browsers get the refresh token as a cookie; clients that asked for it get it in the body instead. */
  private tokens(issued: IssuedSession, reply: FastifyReply, inBody: boolean): TokensDto {
    if (!inBody) setRefreshCookie(reply, this.config, issued.refreshToken);
    return {
      accessToken: issued.accessToken,
      tokenType: 'Bearer',
      expiresIn: issued.expiresIn,
      ...(inBody ? { refreshToken: issued.refreshToken } : {}),
    };
  }

  @Post('register')
  @Public({ tenant: false })
  @ResponseMessage('Organization registered')
  @ApiOperation({ summary: 'Create an organization and its first user (admin); signs the user in' })
  @ApiResponse({ status: 201, type: AuthResultDto })
  @ApiConflictResponse({ description: 'Subdomain already taken (CONFLICT)' })
  @ApiTooManyRequestsResponse({ description: 'Too many registrations from this IP' })
  async register(@Body() dto: RegisterDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<AuthResultDto> {
    const { session, organization } = await this.auth.register(dto);
    return {
      user: UserResponseDto.from(session.identity),
      organization: { id: organization.id, name: organization.name, subdomain: organization.subdomain, status: organization.status },
      tokens: this.tokens(session, reply, dto.refreshTokenInBody === true),
    };
  }

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged in')
  @ApiOperation({ summary: 'Sign in to the organization named by the subdomain or X-Tenant-ID' })
  @ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Organization id or subdomain (or use the subdomain of Host)' })
  @ApiResponse({ status: 200, type: AuthResultDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS: same answer for a wrong password, an unknown email and a disabled account' })
  @ApiTooManyRequestsResponse({ description: 'Locked after too many failures, or too many attempts from this IP; see Retry-After' })
  async login(
    @Body() dto: LoginDto,
    @CurrentTenant() tenant: TenantRef | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResultDto> {
    const session = await this.auth.login(dto, tenant);
    return {
      user: UserResponseDto.from(session.identity),
      organization: session.identity.organization,
      tokens: this.tokens(session, reply, dto.refreshTokenInBody === true),
    };
  }

  @Post('superuser/login')
  @Public({ tenant: false })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged in')
  @ApiOperation({ summary: 'Platform superuser sign-in (no tenant); the token only reaches superuser routes' })
  @ApiResponse({ status: 200, type: AuthResultDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS' })
  async superuserLogin(@Body() dto: LoginDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<AuthResultDto> {
    const session = await this.auth.superuserLogin(dto);
    return {
      user: UserResponseDto.from(session.identity),
      organization: session.identity.organization,
      tokens: this.tokens(session, reply, dto.refreshTokenInBody === true),
    };
  }

  @Post('refresh')
  @Public({ tenant: false })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Tokens refreshed')
  @ApiOperation({
    summary: 'Rotate the refresh token and get a new access token',
    description:
      'Browsers: the refresh_token cookie plus the header `X-CSRF-Protection: 1`. Other clients: `{ "refreshToken": "..." }` in the body; the new one comes back in the body.',
  })
  @ApiCookieAuth('refresh-cookie')
  @ApiHeader({ name: CSRF_HEADER, required: false, description: 'Required (value 1) when the cookie is used' })
  @ApiResponse({ status: 200, type: AuthResultDto })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired or reused refresh token (reuse ends the session)' })
  async refresh(
    @Body() dto: RefreshDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResultDto> {
    const fromBody = dto.refreshToken !== undefined;
    if (!fromBody) assertCsrfSafe(request, this.config);
    const session = await this.auth.refresh(dto.refreshToken ?? request.cookies[REFRESH_COOKIE]);
    return {
      user: UserResponseDto.from(session.identity),
      organization: session.identity.organization,
      tokens: this.tokens(session, reply, fromBody),
    };
  }

  @Post('logout')
  @Authenticated({ platform: true })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged out')
  @ApiOperation({ summary: 'Revoke this access token, end this session and clear the refresh cookie' })
  async logout(@CurrentUser() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<null> {
    await this.auth.logout(principal);
    clearRefreshCookie(reply, this.config);
    return null;
  }

  @Post('logout-all')
  @Authenticated({ platform: true })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged out everywhere')
  @ApiOperation({ summary: 'End every session of the current user' })
  async logoutAll(@CurrentUser() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ sessionsEnded: number }> {
    const sessionsEnded = await this.auth.logoutAll(principal);
    clearRefreshCookie(reply, this.config);
    return { sessionsEnded };
  }

  @Get('me')
  @Authenticated({ platform: true })
  @ApiOperation({ summary: 'The current user and organization (from the session cache)' })
  @ApiResponse({ status: 200, type: MeResponseDto })
  me(@CurrentUser() principal: Principal): MeResponseDto {
    return { user: UserResponseDto.from(principal.identity), organization: principal.identity.organization };
  }

  @Get('sessions')
  @Authenticated({ platform: true })
  @ApiOperation({ summary: "The current user's sessions" })
  @ApiResponse({ status: 200, type: [SessionResponseDto] })
  async listSessions(@CurrentUser() principal: Principal): Promise<SessionResponseDto[]> {
    const sessions = await this.sessions.listForUser(principal.userId);
    return sessions.map((session) => SessionResponseDto.from(session, principal.sessionId));
  }

  @Delete('sessions/:id')
  @Authenticated({ platform: true })
  @ResponseMessage('Session ended')
  @ApiOperation({ summary: 'End one of your sessions' })
  async endSession(@CurrentUser() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<null> {
    await this.auth.endSession(principal, id);
    return null;
  }

  @Post('change-password')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Password changed')
  @ApiOperation({ summary: 'Change the password; every other session ends' })
  async changePassword(@CurrentUser() principal: Principal, @Body() dto: ChangePasswordDto): Promise<{ otherSessionsEnded: number }> {
    const otherSessionsEnded = await this.auth.changePassword(principal, dto.currentPassword, dto.newPassword);
    return { otherSessionsEnded };
  }
}
