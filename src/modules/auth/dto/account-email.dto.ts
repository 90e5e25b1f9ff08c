import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ApiTimestampProperty, INT32_MAX } from '../../../http/api-properties';
import {
  CANONICAL_EMAIL_DESCRIPTION,
  type CanonicalEmail,
  IsCanonicalEmail,
  MAX_EMAIL_LENGTH,
} from '../../../security/email';
import type { EmailVerified } from '../email-verification.service';

export class VerifyEmailDto {
  @ApiProperty({
    maxLength: 64,
    example: 'q3Jx2d0bVbS5mJ7n0cS1bq9X8pZtJk4uYw2Lr6Hh1aE',
    description: 'The `token` of the link in a verification or email-change email',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  token!: string;
}

export class EmailVerifiedResponseDto {
  /** The account's address, verified (after an email change: the new one) */
  @ApiProperty({ format: 'email', maxLength: MAX_EMAIL_LENGTH, example: 'ada@acme.test' })
  email!: string;
  @ApiTimestampProperty() emailVerifiedAt!: string;
  /** True when the link was an email change's and the change applied */
  emailChanged!: boolean;

  static from(verified: EmailVerified): EmailVerifiedResponseDto {
    return {
      email: verified.email,
      emailVerifiedAt: verified.emailVerifiedAt.toISOString(),
      emailChanged: verified.emailChanged,
    };
  }
}

export class ChangeEmailDto {
  @ApiProperty({
    type: String,
    format: 'email',
    maxLength: MAX_EMAIL_LENGTH,
    example: 'ada.new@acme.test',
    description: CANONICAL_EMAIL_DESCRIPTION,
  })
  @IsCanonicalEmail()
  newEmail!: CanonicalEmail;

  /** Your current password */
  @ApiProperty({ example: 'Demo-Passw0rd!' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;
}

export class EmailChangeRequestedResponseDto {
  /**
   * How many other sessions ended; this one stays signed in
   * @example 2
   */
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX })
  otherSessionsEnded!: number;
}
