import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiTimestampProperty, INT32_MAX } from '../../../http/api-properties';
import { RECOVERY_CODE_COUNT, RECOVERY_CODE_PATTERN } from '../recovery-codes';

const CODE = /^\d{6}$/;
const codeProperty = (description: string) =>
  ApiProperty({ pattern: CODE.source, minLength: 6, maxLength: 6, example: '123456', description });
const recoveryCodeProperty = () =>
  ApiProperty({
    pattern: RECOVERY_CODE_PATTERN.source,
    minLength: 16,
    maxLength: 19,
    example: 'ABCD-EFGH-JKLM-NPQR',
    description:
      'One of the recovery codes; each works once. Dashes, spaces and case do not matter',
  });

export class StartTotpSetupDto {
  /** Your current password */
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;
}

export class ConfirmTotpDto {
  @codeProperty('The code the authenticator app shows for the new secret')
  @Matches(CODE, { message: 'code must be 6 digits' })
  code!: string;
}

export class RegenerateRecoveryCodesDto {
  /** Your current password */
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;

  @codeProperty('A current code from the authenticator app')
  @Matches(CODE, { message: 'code must be 6 digits' })
  code!: string;
}

/** Exactly one of `code` and `recoveryCode`. */
export class SecondFactorDto {
  @codeProperty('A current code from the authenticator app (or send recoveryCode instead)')
  @IsOptional()
  @Matches(CODE, { message: 'code must be 6 digits' })
  code?: string;

  @recoveryCodeProperty()
  @IsOptional()
  @Matches(RECOVERY_CODE_PATTERN, { message: 'recoveryCode must be a recovery code' })
  recoveryCode?: string;
}

export class DisableTotpDto extends SecondFactorDto {
  /** Your current password */
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;
}

export class VerifyMfaDto extends SecondFactorDto {
  /** The token the password step answered with; valid for 5 minutes, once */
  @ApiProperty({
    minLength: 43,
    maxLength: 43,
    example: 'q3Jx0m2v9c1Zf8Lr5tYwKp7aH4dNs6eUbQiG2oV1xC0',
  })
  @IsString()
  @MaxLength(43)
  mfaToken!: string;
}

const COUNT = { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX } as const;

export class MfaStatusResponseDto {
  /** TOTP two-factor authentication is on */
  enabled!: boolean;
  @ApiTimestampProperty() enabledAt!: string | null;
  /** A setup was started and waits for its confirmation code */
  setupPending!: boolean;
  /**
   * Unused recovery codes
   * @example 10
   */
  @ApiProperty({ ...COUNT, maximum: RECOVERY_CODE_COUNT })
  recoveryCodesRemaining!: number;
  /** Your organization's policy (or SUPERUSER_MFA_REQUIRED) requires it of you */
  required!: boolean;
}

export class TotpSetupResponseDto {
  /** The secret in base32, for typing into an authenticator app by hand */
  @ApiProperty({ minLength: 32, maxLength: 32, example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' })
  secret!: string;
  @ApiProperty({
    maxLength: 2048,
    example:
      'otpauth://totp/Tenancy%20API:Acme%20Inc.%20(admin%40acme.test)?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Tenancy%20API&period=30',
  })
  otpauthUrl!: string;
  /** The otpauth URL as a QR code: a PNG data URL, for an <img src> */
  @ApiProperty({ maxLength: 65536, example: 'data:image/png;base64,iVBORw0KGgo...' })
  qrCodeDataUrl!: string;
}

export class RecoveryCodesResponseDto {
  /** Shown this once: each works once in place of a code; the previous set no longer works */
  @ApiProperty({
    minItems: RECOVERY_CODE_COUNT,
    maxItems: RECOVERY_CODE_COUNT,
    items: { type: 'string', pattern: RECOVERY_CODE_PATTERN.source, maxLength: 19 },
    example: Array.from(
      { length: RECOVERY_CODE_COUNT },
      (_, index) => `ABCD-EFGH-JKLM-NPQ${'ABCDEFGHJK'[index]}`,
    ),
  })
  recoveryCodes!: string[];
}

export class MfaDisabledResponseDto {
  /**
   * How many other sessions ended; this one stays signed in
   * @example 2
   */
  @ApiProperty(COUNT)
  otherSessionsEnded!: number;
}

export class MfaResetResponseDto {
  /**
   * How many sessions of the user ended
   * @example 1
   */
  @ApiProperty(COUNT)
  sessionsEnded!: number;
}

export const MFA_METHODS = ['totp', 'recovery_code'] as const;

/** The answer to a correct password when the account has two-factor authentication on. */
export class MfaChallengeResponseDto {
  @ApiProperty({ enum: [true] }) mfaRequired!: true;
  /** Send it with a code to POST /api/auth/mfa/verify; valid for 5 minutes, once */
  @ApiProperty({ minLength: 43, maxLength: 43 })
  mfaToken!: string;
  @ApiProperty({ enum: MFA_METHODS, isArray: true, maxItems: MFA_METHODS.length })
  methods!: (typeof MFA_METHODS)[number][];
}
