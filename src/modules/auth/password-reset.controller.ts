import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TenantRef } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse, ApiTenantSelectHeader } from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { CurrentTenant } from '../../security/decorators';
import { Public } from '../../security/public.decorator';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import {
  ForgotPasswordDto,
  PasswordResetResponseDto,
  ResetPasswordDto,
} from './dto/password-reset.dto';
import { PasswordResetService } from './password-reset.service';

const TenantNotFound = () =>
  ApiErrorResponse(404, {
    description: 'TENANT_NOT_FOUND: the subdomain or X-Tenant-ID names no organization',
    code: ErrorCode.TENANT_NOT_FOUND,
    message: 'Organization not found',
  });

/** A forgotten password, for the users of an organization (superusers: `superuser:create`). */
@ApiTags('auth')
@Controller('auth/password')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Post('forgot')
  @Audited(AuditAction.PASSWORD_RESET_REQUESTED)
  @Public()
  @HttpCode(HttpStatus.ACCEPTED)
  @ResponseMessage('If an account has this address, a reset link is on its way')
  @ApiOperation({
    operationId: 'requestPasswordReset',
    summary: 'Ask for a password reset link by email; the same answer for every address',
    description:
      'Answers 202 at once, alike and in the same time for known and unknown addresses: a job decides later, and mails a link `${APP_URL}/reset-password?token=...` only to an active user of this organization.',
  })
  @ApiTenantSelectHeader()
  @ApiEnvelope(null, { status: 202, description: 'Accepted; `data` is null' })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field), or TENANT_REQUIRED: no subdomain and no X-Tenant-ID',
  )
  @TenantNotFound()
  @ApiErrorResponse(
    429,
    'Too many requests from this IP or for this address (TOO_MANY_REQUESTS); see Retry-After',
  )
  async forgot(
    @Body() dto: ForgotPasswordDto,
    @CurrentTenant() tenant: TenantRef | undefined,
  ): Promise<null> {
    await this.resets.forgot(dto.email, tenant);
    return null;
  }

  @Post('reset')
  @Audited(AuditAction.PASSWORD_RESET)
  @Public()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Password reset; sign in with the new password')
  @ApiOperation({
    operationId: 'resetPassword',
    summary: 'Set a new password with the token of a reset link; every session of the user ends',
  })
  @ApiTenantSelectHeader()
  @ApiEnvelope(PasswordResetResponseDto)
  @ApiErrorResponse(400, {
    description:
      'TOKEN_INVALID: unknown token, or one for something else or another organization; VALIDATION_ERROR: a weak or common password; TENANT_REQUIRED',
    code: ErrorCode.TOKEN_INVALID,
    message: 'The link is not valid',
  })
  @TenantNotFound()
  @ApiErrorResponse(410, {
    description:
      'TOKEN_EXPIRED, or TOKEN_USED: the link was used, or another link of the user or a password change killed it',
    code: ErrorCode.TOKEN_USED,
    message: 'The link was already used or replaced by a newer one',
  })
  @ApiErrorResponse(429, 'Too many requests from this IP (TOO_MANY_REQUESTS); see Retry-After')
  async reset(
    @Body() dto: ResetPasswordDto,
    @CurrentTenant() tenant: TenantRef | undefined,
  ): Promise<PasswordResetResponseDto> {
    return { sessionsEnded: await this.resets.reset(dto.token, dto.password, tenant) };
  }
}
