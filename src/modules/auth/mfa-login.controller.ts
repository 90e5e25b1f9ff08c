import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ApiEnvelope, ApiErrorResponse } from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { Public } from '../../security/public.decorator';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { VerifyMfaDto } from '../mfa/dto/mfa.dto';
import { AuthResponseDto, AuthUserResponseDto } from './dto/auth-response.dto';
import { sessionTokens } from './refresh-cookie';
import { MfaLoginService } from './mfa-login.service';

@ApiTags('auth')
@Controller('auth/mfa')
export class MfaLoginController {
  constructor(
    private readonly mfaLogins: MfaLoginService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('verify')
  @Audited(AuditAction.LOGIN_SUCCEEDED)
  // The mfaToken names the organization (or the platform); no tenant hint is needed or read.
  @Public({ tenant: false })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Logged in')
  @ApiOperation({
    operationId: 'verifyMfa',
    summary:
      'Second step of a sign-in: the mfaToken and a TOTP code or a recovery code; answers as login does (tokens and cookie)',
  })
  @ApiEnvelope(AuthResponseDto)
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR: details per field, or not exactly one of code and recoveryCode',
  )
  @ApiErrorResponse(401, {
    description:
      'INVALID_CREDENTIALS: the code is wrong or was already used (counted toward the lockout); UNAUTHORIZED: the mfaToken is unknown, expired or used',
    code: ErrorCode.INVALID_CREDENTIALS,
    message: 'The code is wrong or was already used',
  })
  @ApiErrorResponse(
    429,
    'Locked after too many wrong passwords or codes, or too many attempts from this IP (TOO_MANY_REQUESTS); see Retry-After',
  )
  async verify(
    @Body() dto: VerifyMfaDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResponseDto> {
    const { session, refreshTokenInBody } = await this.mfaLogins.verify(dto);
    return {
      user: AuthUserResponseDto.from(session.identity),
      organization: session.identity.organization,
      tokens: sessionTokens(session, reply, this.config, refreshTokenInBody),
    };
  }
}
