import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { DEMO_PASSWORD } from '../../demo/demo-data';
import {
  CANONICAL_EMAIL_DESCRIPTION,
  type CanonicalEmail,
  IsCanonicalEmail,
  MAX_EMAIL_LENGTH,
} from '../../../security/email';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS } from '../../../security/password-policy';
import { IsAcceptablePassword } from '../../../security/password.validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** What the plugin cannot read from the custom email validator. */
const emailProperty = (example: string) =>
  ApiProperty({
    type: String,
    format: 'email',
    maxLength: MAX_EMAIL_LENGTH,
    example,
    description: CANONICAL_EMAIL_DESCRIPTION,
  });

/** A password can be no longer in characters than its byte limit allows. */
const newPasswordProperty = () =>
  ApiProperty({
    minLength: PASSWORD_MIN_CHARS,
    maxLength: PASSWORD_MAX_BYTES,
    description: `${PASSWORD_MIN_CHARS}+ characters, at most ${PASSWORD_MAX_BYTES} bytes, not a common password`,
    example: 'correct horse battery staple',
  });

export class RegisterOrganizationDto {
  /** @example 'Initech' */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name!: string;

  @ApiProperty({
    example: 'initech',
    maxLength: 63,
    description: 'Lowercase letters, digits and inner hyphens, 3-63 characters',
  })
  @IsString()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/, {
    message: 'subdomain must be 3-63 lowercase letters, digits or inner hyphens',
  })
  subdomain!: string;
}

const REFRESH_IN_BODY =
  'Non-browser clients: return the refresh token in the body instead of a cookie';

export class RegisterDto {
  // ValidateNested alone lets an array (or nothing) through: the organization is required.
  @IsObject()
  @ValidateNested()
  @Type(() => RegisterOrganizationDto)
  organization!: RegisterOrganizationDto;

  @emailProperty('owner@initech.test')
  @IsCanonicalEmail()
  email!: CanonicalEmail;

  @newPasswordProperty()
  @IsAcceptablePassword()
  password!: string;

  /** @example 'Peter' */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName!: string;

  /** @example 'Gibbons' */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName!: string;

  @ApiProperty({ description: REFRESH_IN_BODY })
  @IsOptional()
  @IsBoolean()
  refreshTokenInBody?: boolean;
}

export class LoginDto {
  @emailProperty('admin@acme.test')
  @IsCanonicalEmail()
  email!: CanonicalEmail;

  /** The demo seed's shared password */
  @ApiProperty({ example: DEMO_PASSWORD })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;

  @ApiProperty({ description: REFRESH_IN_BODY })
  @IsOptional()
  @IsBoolean()
  refreshTokenInBody?: boolean;
}

export class RefreshDto {
  /** Non-browser clients send the refresh token here; browsers rely on the cookie */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  refreshToken?: string;
}

export class ChangePasswordDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  currentPassword!: string;

  @newPasswordProperty()
  @IsAcceptablePassword()
  newPassword!: string;
}
