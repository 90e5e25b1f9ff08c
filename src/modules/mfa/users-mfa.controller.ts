import { Controller, Delete, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse, ApiUuidParam } from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { CurrentUser, PermissionsForPeople } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { MfaResetResponseDto } from './dto/mfa.dto';
import { MfaReset } from './mfa-reset.service';

@ApiTags('users')
@Controller('users')
export class UsersMfaController {
  constructor(private readonly resets: MfaReset) {}

  @Delete(':id/mfa')
  // A key never turns off a person's second factor, whatever it holds.
  @PermissionsForPeople(PERMISSIONS.USERS_UPDATE)
  @Audited(AuditAction.MFA_RESET)
  @ResponseMessage('Two-factor authentication reset')
  @ApiOperation({
    operationId: 'resetUserMfa',
    summary:
      "Turn off a user's two-factor authentication (needs users.update, and every permission the user holds); their sessions end and they are told by mail",
  })
  @ApiUuidParam('id', "The user's id")
  @ApiEnvelope(MfaResetResponseDto)
  @ApiErrorResponse(
    400,
    'BAD_REQUEST: the id is not a UUID, or it is your own (use DELETE /api/auth/mfa/totp)',
  )
  @ApiErrorResponse(403, 'FORBIDDEN: the user holds a permission you do not hold')
  @ApiErrorResponse(404, {
    description: 'NOT_FOUND: no such user in your organization',
    message: 'User not found',
  })
  @ApiErrorResponse(409, 'CONFLICT: the user has not set up two-factor authentication')
  async reset(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() principal: UserPrincipal,
  ): Promise<MfaResetResponseDto> {
    return { sessionsEnded: await this.resets.reset(principal, id) };
  }
}
