import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { INT32_MAX } from '../../../http/api-properties';
import {
  CANONICAL_EMAIL_DESCRIPTION,
  type CanonicalEmail,
  IsCanonicalEmail,
  MAX_EMAIL_LENGTH,
} from '../../../security/email';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS } from '../../../security/password-policy';
import { IsAcceptablePassword } from '../../../security/password.validator';

export class ForgotPasswordDto {
  @ApiProperty({
    type: String,
    format: 'email',
    maxLength: MAX_EMAIL_LENGTH,
    example: 'staff@acme.test',
    description: CANONICAL_EMAIL_DESCRIPTION,
  })
  @IsCanonicalEmail()
  email!: CanonicalEmail;
}

export class ResetPasswordDto {
  /**
   * The `token` of the emailed link (`/reset-password?token=...`)
   * @example 'q7Vh3fR0cJX2yZb9mNw8sTgL4eKdUaP1oIiHjGvBx5E'
   */
  @IsString()
  @MaxLength(200)
  token!: string;

  @ApiProperty({
    minLength: PASSWORD_MIN_CHARS,
    maxLength: PASSWORD_MAX_BYTES,
    description: `The new password: ${PASSWORD_MIN_CHARS}+ characters, at most ${PASSWORD_MAX_BYTES} bytes, not a common password`,
    example: 'correct horse battery staple',
  })
  @IsAcceptablePassword()
  password!: string;
}

export class PasswordResetResponseDto {
  /**
   * How many sessions of the user ended: every one, wherever it was signed in
   * @example 2
   */
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX })
  sessionsEnded!: number;
}
