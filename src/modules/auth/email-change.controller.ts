import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse } from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { Authenticated, CurrentUser } from '../../security/decorators';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { ChangeEmailDto, EmailChangeRequestedResponseDto } from './dto/account-email.dto';
import { EmailChangeService } from './email-change.service';

/** Lives with the auth flows: it proves the password and ends sessions, like change-password. */
@ApiTags('users')
@Controller('users/me')
export class EmailChangeController {
  constructor(private readonly changes: EmailChangeService) {}

  @Post('email')
  @Audited(AuditAction.USER_EMAIL_CHANGE_REQUESTED)
  @Authenticated()
  @HttpCode(HttpStatus.ACCEPTED)
  @ResponseMessage('Follow the link sent to the new address to complete the change')
  @ApiOperation({
    operationId: 'changeEmail',
    summary:
      'Ask to change your email address: a link goes to the new address, a notice to the current one; every other session ends',
    description:
      'The answer is the same whether or not the new address is taken. The change applies when the link is followed (POST /api/auth/email/verify).',
  })
  @ApiEnvelope(EmailChangeRequestedResponseDto, { status: 202 })
  @ApiErrorResponse(400, {
    description:
      'INVALID_CREDENTIALS: the password is wrong; VALIDATION_ERROR: a bad address, or your current one',
    code: ErrorCode.INVALID_CREDENTIALS,
    message: 'The current password is wrong',
  })
  @ApiErrorResponse(
    429,
    'TOO_MANY_REQUESTS: too many wrong passwords, or more than one request a minute or 5 a day; see Retry-After',
  )
  async request(
    @CurrentUser() principal: UserPrincipal,
    @Body() dto: ChangeEmailDto,
  ): Promise<EmailChangeRequestedResponseDto> {
    const otherSessionsEnded = await this.changes.request(principal, dto.newEmail, dto.password);
    return { otherSessionsEnded };
  }
}
