import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
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
import { PageQueryDto } from '../../../http/pagination.dto';
import {
  CANONICAL_EMAIL_DESCRIPTION,
  type CanonicalEmail,
  IsCanonicalEmail,
} from '../../../security/email';
import { IsAcceptablePassword } from '../../../security/password.validator';
import type { User } from '../user.entity';
import { USER_SORT_FIELDS, type UserSortField } from '../users.repository';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const ROLE_NAME = /^[a-z][a-z0-9_-]{1,63}$/;

export class CreateUserDto {
  @ApiProperty({
    type: String,
    format: 'email',
    example: 'staff@acme.test',
    description: CANONICAL_EMAIL_DESCRIPTION,
  })
  @IsCanonicalEmail()
  email!: CanonicalEmail;

  @ApiProperty({ description: '8+ characters, at most 72 bytes, not a common password' })
  @IsAcceptablePassword()
  password!: string;

  @ApiProperty({ example: 'Grace' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName!: string;

  @ApiProperty({ example: 'Hopper' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName!: string;

  @ApiProperty({
    example: ['staff'],
    description: 'Role names of this organization; you can only grant permissions you hold',
  })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(20)
  @Matches(ROLE_NAME, { each: true, message: 'each role must be a role name' })
  roles!: string[];
}

/** What an administrator may change on a user; never the email, password or tenant. */
export class UpdateUserDto extends PartialType(
  PickType(CreateUserDto, ['firstName', 'lastName', 'roles'] as const),
) {
  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

/** What users may change on themselves: names only, never roles or status. */
export class UpdateProfileDto extends PartialType(
  PickType(CreateUserDto, ['firstName', 'lastName'] as const),
) {}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: USER_SORT_FIELDS, default: 'createdAt' })
  @IsOptional()
  @IsIn(USER_SORT_FIELDS)
  sort: UserSortField = 'createdAt';

  @ApiPropertyOptional({ description: 'Matches email, first or last name (literally)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  @ApiPropertyOptional({ example: 'staff' })
  @IsOptional()
  @Matches(ROLE_NAME)
  role?: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() firstName!: string;
  @ApiProperty() lastName!: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty({ example: ['staff'] }) roles!: string[];
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastLoginAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(user: User): UserDto {
    return {
      id: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      status: user.status,
      roles: (user.roles ?? []).map((role) => role.name).sort(),
      lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}
