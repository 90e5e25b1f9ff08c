import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse } from '../../http/api-docs';
import { ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { Authenticated, CurrentUser } from '../../security/decorators';
import { AuditAction } from '../audit/audit-actions';
import { Audited, NotAudited } from '../audit/audited.decorator';
import {
  ConfirmTotpDto,
  DisableTotpDto,
  MfaDisabledResponseDto,
  MfaStatusResponseDto,
  RecoveryCodesResponseDto,
  RegenerateRecoveryCodesDto,
  StartTotpSetupDto,
  TotpSetupResponseDto,
} from './dto/mfa.dto';
import { AllowedBeforeMfaEnrolment } from './mfa-enrolment.guard';
import { MfaEnrolment } from './mfa-enrolment.service';

const WrongProof = (description: string, message: string) =>
  ApiErrorResponse(400, { description, code: ErrorCode.INVALID_CREDENTIALS, message });
const TooManyChecks = () =>
  ApiErrorResponse(429, 'Too many wrong passwords or codes (TOO_MANY_REQUESTS); see Retry-After');

/** Your own second factor: users of an organization and superusers alike. */
@ApiTags('mfa')
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly enrolment: MfaEnrolment) {}

  @Get()
  @Authenticated({ platform: true })
  @AllowedBeforeMfaEnrolment()
  @ApiOperation({
    operationId: 'getMfaStatus',
    summary:
      'Whether two-factor authentication is on, required, and how many recovery codes remain',
  })
  @ApiEnvelope(MfaStatusResponseDto)
  status(@CurrentUser() principal: UserPrincipal): Promise<MfaStatusResponseDto> {
    return this.enrolment.status(principal);
  }

  @Post('totp/setup')
  @NotAudited(
    'stores a pending secret that activates nothing; the confirmation is audited as auth.mfa.enabled',
  )
  @Authenticated({ platform: true })
  @AllowedBeforeMfaEnrolment()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Scan the QR code, then confirm with a code')
  @ApiOperation({
    operationId: 'startTotpSetup',
    summary:
      'Start a TOTP setup: a new secret, its otpauth URL and QR code (nothing is on until confirmed)',
  })
  @ApiEnvelope(TotpSetupResponseDto)
  @WrongProof('INVALID_CREDENTIALS: the password is wrong', 'The password is wrong')
  @ApiErrorResponse(409, 'CONFLICT: two-factor authentication is already on')
  @TooManyChecks()
  setup(
    @CurrentUser() principal: UserPrincipal,
    @Body() dto: StartTotpSetupDto,
  ): Promise<TotpSetupResponseDto> {
    return this.enrolment.setup(principal, dto.password);
  }

  @Post('totp/confirm')
  @Audited(AuditAction.MFA_ENABLED)
  @Authenticated({ platform: true })
  @AllowedBeforeMfaEnrolment()
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Two-factor authentication is on')
  @ApiOperation({
    operationId: 'confirmTotp',
    summary: 'Turn TOTP on with a first code; answers the 10 recovery codes, shown this once',
  })
  @ApiEnvelope(RecoveryCodesResponseDto)
  @WrongProof(
    'INVALID_CREDENTIALS: the code is wrong',
    'The code is wrong: check the time on the device',
  )
  @ApiErrorResponse(
    409,
    'CONFLICT: no setup is waiting, or two-factor authentication is already on',
  )
  confirm(
    @CurrentUser() principal: UserPrincipal,
    @Body() dto: ConfirmTotpDto,
  ): Promise<RecoveryCodesResponseDto> {
    return this.enrolment.confirm(principal, dto.code);
  }

  @Post('recovery-codes')
  @Audited(AuditAction.MFA_RECOVERY_CODES_REGENERATED)
  @Authenticated({ platform: true })
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('New recovery codes')
  @ApiOperation({
    operationId: 'regenerateRecoveryCodes',
    summary: 'Replace the recovery codes (password and a current code); the old ones stop working',
  })
  @ApiEnvelope(RecoveryCodesResponseDto)
  @WrongProof(
    'INVALID_CREDENTIALS: the password or the code is wrong',
    'The code is wrong or was already used',
  )
  @TooManyChecks()
  regenerate(
    @CurrentUser() principal: UserPrincipal,
    @Body() dto: RegenerateRecoveryCodesDto,
  ): Promise<RecoveryCodesResponseDto> {
    return this.enrolment.regenerateRecoveryCodes(principal, dto.password, dto.code);
  }

  @Delete('totp')
  @Audited(AuditAction.MFA_DISABLED)
  @Authenticated({ platform: true })
  @ResponseMessage('Two-factor authentication is off')
  @ApiOperation({
    operationId: 'disableTotp',
    summary:
      'Turn two-factor authentication off (password and a code or a recovery code); every other session ends and a notice is mailed',
  })
  @ApiEnvelope(MfaDisabledResponseDto)
  @WrongProof(
    'INVALID_CREDENTIALS: the password or the code is wrong; VALIDATION_ERROR: not exactly one of code and recoveryCode',
    'The code is wrong or was already used',
  )
  @TooManyChecks()
  async disable(
    @CurrentUser() principal: UserPrincipal,
    @Body() dto: DisableTotpDto,
  ): Promise<MfaDisabledResponseDto> {
    const { password, ...proof } = dto;
    return { otherSessionsEnded: await this.enrolment.disable(principal, password, proof) };
  }
}
