import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import {
  CANONICAL_EMAIL_DESCRIPTION,
  type CanonicalEmail,
  IsCanonicalEmail,
} from '../../../security/email';
import { IsAcceptablePassword } from '../../../security/password.validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class RegisterOrganizationDto {
  @ApiProperty({ example: 'Acme Inc.' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name!: string;

  @ApiProperty({
    example: 'acme',
    description: 'Lowercase letters, digits and inner hyphens, 3-63 characters',
  })
  @IsString()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/, {
    message: 'subdomain must be 3-63 lowercase letters, digits or inner hyphens',
  })
  subdomain!: string;
}

export class RegisterDto {
  @ApiProperty({ type: RegisterOrganizationDto })
  // ValidateNested alone lets an array (or nothing) through: the organization is required.
  @IsObject()
  @ValidateNested()
  @Type(() => RegisterOrganizationDto)
  organization!: RegisterOrganizationDto;

  @ApiProperty({
    type: String,
    format: 'email',
    example: 'owner@acme.test',
    description: CANONICAL_EMAIL_DESCRIPTION,
  })
  @IsCanonicalEmail()
  email!: CanonicalEmail;

  @ApiProperty({
    example: 'correct horse battery staple',
    description: '8+ characters, at most 72 bytes, not a common password',
  })
  @IsAcceptablePassword()
  password!: string;

  @ApiProperty({ example: 'Ada' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName!: string;

  @ApiProperty({ example: 'Lovelace' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName!: string;

  @ApiPropertyOptional({
    description: 'Non-browser clients: return the refresh token in the body instead of a cookie',
  })
  @IsOptional()
  @IsBoolean()
  refreshTokenInBody?: boolean;
}

export class LoginDto {
  @ApiProperty({
    type: String,
    format: 'email',
    example: 'owner@acme.test',
    description: CANONICAL_EMAIL_DESCRIPTION,
  })
  @IsCanonicalEmail()
  email!: CanonicalEmail;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({
    description: 'Non-browser clients: return the refresh token in the body instead of a cookie',
  })
  @IsOptional()
  @IsBoolean()
  refreshTokenInBody?: boolean;
}

export class RefreshDto {
  @ApiPropertyOptional({
    description: 'Non-browser clients send the refresh token here; browsers rely on the cookie',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  refreshToken?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  currentPassword!: string;

  @ApiProperty({ description: '8+ characters, at most 72 bytes, not a common password' })
  @IsAcceptablePassword()
  newPassword!: string;
}
