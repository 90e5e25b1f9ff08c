import { ApiProperty, PartialType, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { PageQueryDto } from '../../../http/pagination.dto';
import {
  CANONICAL_EMAIL_DESCRIPTION,
  type CanonicalEmail,
  IsCanonicalEmail,
  MAX_EMAIL_LENGTH,
} from '../../../security/email';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS } from '../../../security/password-policy';
import { IsAcceptablePassword } from '../../../security/password.validator';
import type { User } from '../user.entity';
import { USER_SORT_FIELDS, type UserSortField } from '../users.repository';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const ROLE_NAME = /^[a-z][a-z0-9_-]{1,63}$/;
/** How many roles one user may hold. */
export const MAX_USER_ROLES = 20;

export class CreateUserDto {
  @ApiProperty({
    type: String,
    format: 'email',
    maxLength: MAX_EMAIL_LENGTH,
    example: 'grace@acme.test',
    description: CANONICAL_EMAIL_DESCRIPTION,
  })
  @IsCanonicalEmail()
  email!: CanonicalEmail;

  @ApiProperty({
    minLength: PASSWORD_MIN_CHARS,
    maxLength: PASSWORD_MAX_BYTES,
    description: `${PASSWORD_MIN_CHARS}+ characters, at most ${PASSWORD_MAX_BYTES} bytes, not a common password`,
  })
  @IsAcceptablePassword()
  password!: string;

  /** @example 'Grace' */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName!: string;

  /** @example 'Hopper' */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName!: string;

  @ApiProperty({
    example: ['staff'],
    maxItems: MAX_USER_ROLES,
    items: { pattern: ROLE_NAME.source, maxLength: 64 },
    description: 'Role names of this organization; you can only grant permissions you hold',
  })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(MAX_USER_ROLES)
  @Matches(ROLE_NAME, { each: true, message: 'each role must be a role name' })
  roles!: string[];
}

/** What an administrator may change on a user; never the email, password or tenant. */
export class UpdateUserDto extends PartialType(
  PickType(CreateUserDto, ['firstName', 'lastName', 'roles'] as const),
) {
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

/** What users may change on themselves: names only, never roles or status. */
export class UpdateProfileDto extends PartialType(
  PickType(CreateUserDto, ['firstName', 'lastName'] as const),
) {}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiProperty({ enum: USER_SORT_FIELDS, required: false })
  @IsOptional()
  @IsIn(USER_SORT_FIELDS)
  sort: UserSortField = 'createdAt';

  /** Matches email, first or last name (literally) */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  /** Only users holding this role */
  @ApiProperty({ pattern: ROLE_NAME.source, maxLength: 64 })
  @IsOptional()
  @Matches(ROLE_NAME)
  role?: string;
}

export class UserResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ format: 'email', maxLength: MAX_EMAIL_LENGTH }) email!: string;
  @ApiProperty({ maxLength: 100 }) firstName!: string;
  @ApiProperty({ maxLength: 100 }) lastName!: string;
  status!: 'active' | 'disabled';
  @ApiProperty({ maxItems: MAX_USER_ROLES, items: { maxLength: 64 }, example: ['staff'] })
  roles!: string[];
  @ApiTimestampProperty() emailVerifiedAt!: string | null;
  /** Two-factor authentication is on (an administrator can reset it: DELETE /api/users/{id}/mfa) */
  mfaEnabled!: boolean;
  @ApiTimestampProperty() lastLoginAt!: string | null;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty() updatedAt!: string;

  static from(user: User): UserResponseDto {
    return {
      id: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      status: user.status,
      roles: (user.roles ?? []).map((role) => role.name).sort(),
      emailVerifiedAt: user.emailVerifiedAt ? user.emailVerifiedAt.toISOString() : null,
      mfaEnabled: Boolean(user.mfaEnabledAt),
      lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}
