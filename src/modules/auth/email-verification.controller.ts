import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TenantRef, UserPrincipal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse, ApiTenantSelectHeader } from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { Authenticated, CurrentTenant, CurrentUser } from '../../security/decorators';
import { Public } from '../../security/public.decorator';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { EmailVerifiedResponseDto, VerifyEmailDto } from './dto/account-email.dto';
import { EmailVerificationService } from './email-verification.service';

@ApiTags('auth')
@Controller('auth/email')
export class EmailVerificationController {
  constructor(private readonly verification: EmailVerificationService) {}

  @Post('verify')
  @Audited(AuditAction.USER_EMAIL_VERIFIED, AuditAction.USER_EMAIL_CHANGED)
  @Public()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Email address verified')
  @ApiOperation({
    operationId: 'verifyEmail',
    summary:
      'Follow the link of a verification email (the address is verified) or of an email-change email (the change applies)',
  })
  @ApiTenantSelectHeader()
  @ApiEnvelope(EmailVerifiedResponseDto)
  @ApiErrorResponse(400, {
    description:
      'TOKEN_INVALID: unknown, of another organization, not an email link, or mailed to an address the account no longer has; VALIDATION_ERROR; TENANT_REQUIRED',
    code: ErrorCode.TOKEN_INVALID,
    message: 'The link is not valid',
  })
  @ApiErrorResponse(404, {
    description: 'TENANT_NOT_FOUND: the subdomain or X-Tenant-ID names no organization',
    code: ErrorCode.TENANT_NOT_FOUND,
    message: 'Organization not found',
  })
  @ApiErrorResponse(409, {
    description:
      'CONFLICT: an email change whose new address another account of the organization holds by now (the link stays usable)',
    message: 'The new address already belongs to another account of this organization',
  })
  @ApiErrorResponse(410, 'TOKEN_EXPIRED or TOKEN_USED (used, or replaced by a newer link)')
  @ApiErrorResponse(429, 'Too many requests from this IP (TOO_MANY_REQUESTS); see Retry-After')
  async verify(
    @Body() dto: VerifyEmailDto,
    @CurrentTenant() tenant: TenantRef | undefined,
  ): Promise<EmailVerifiedResponseDto> {
    return EmailVerifiedResponseDto.from(await this.verification.verify(dto.token, tenant));
  }

  @Post('resend')
  @Audited(AuditAction.USER_EMAIL_VERIFICATION_REQUESTED)
  @Authenticated()
  @HttpCode(HttpStatus.ACCEPTED)
  @ResponseMessage('A new verification email is on its way')
  @ApiOperation({
    operationId: 'resendVerificationEmail',
    summary: 'Mail yourself a new verification link (at most once a minute and 5 times a day)',
  })
  @ApiEnvelope(null, { status: 202 })
  @ApiErrorResponse(409, {
    description: 'CONFLICT: your address is already verified',
    message: 'Your email address is already verified',
  })
  @ApiErrorResponse(429, 'TOO_MANY_REQUESTS: one a minute, 5 a day; see Retry-After')
  async resend(@CurrentUser() principal: UserPrincipal): Promise<null> {
    await this.verification.resend(principal);
    return null;
  }
}
