import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
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
import { MAX_USER_ROLES } from '../../users/dto/users.dto';
import {
  type Invitation,
  INVITATION_STATUSES,
  type InvitationStatus,
  invitationStatus,
} from '../invitation.entity';
import { INVITATION_SORT_FIELDS, type InvitationSortField } from '../invitations.repository';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const ROLE_NAME = /^[a-z][a-z0-9_-]{1,63}$/;
/** Tokens are 43 characters; anything much longer is refused before a lookup. */
const MAX_TOKEN_LENGTH = 128;

export class CreateInvitationDto {
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

export class ListInvitationsQueryDto extends PageQueryDto {
  @ApiProperty({ enum: INVITATION_SORT_FIELDS, required: false })
  @IsOptional()
  @IsIn(INVITATION_SORT_FIELDS)
  sort: InvitationSortField = 'createdAt';

  /** "expired": pending, but past expiresAt */
  @ApiProperty({ enum: INVITATION_STATUSES, required: false })
  @IsOptional()
  @IsIn(INVITATION_STATUSES)
  status?: InvitationStatus;
}

export class InvitationTokenDto {
  /** The token of the link in the invitation email (`?token=`) */
  @ApiProperty({
    maxLength: MAX_TOKEN_LENGTH,
    example: 'q9Xr1v3m4kZ8p0T2wL6yH5sB7nC1dF3gJ4aE9uQ0iO8',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TOKEN_LENGTH)
  token!: string;
}

/** Everything else (email, roles, organization) comes from the invitation, never the body. */
export class AcceptInvitationDto extends InvitationTokenDto {
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
    minLength: PASSWORD_MIN_CHARS,
    maxLength: PASSWORD_MAX_BYTES,
    description: `${PASSWORD_MIN_CHARS}+ characters, at most ${PASSWORD_MAX_BYTES} bytes, not a common password`,
    example: 'correct horse battery staple',
  })
  @IsAcceptablePassword()
  password!: string;

  @ApiProperty({
    description: 'Non-browser clients: return the refresh token in the body instead of a cookie',
  })
  @IsOptional()
  @IsBoolean()
  refreshTokenInBody?: boolean;
}

export class InvitationResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ format: 'email', maxLength: MAX_EMAIL_LENGTH }) email!: string;
  @ApiProperty({ maxItems: MAX_USER_ROLES, items: { maxLength: 64 }, example: ['staff'] })
  roles!: string[];
  @ApiProperty({ enum: INVITATION_STATUSES }) status!: InvitationStatus;
  /** The user who sent the invitation */
  @ApiUuidProperty({ nullable: true }) invitedBy!: string | null;
  @ApiTimestampProperty() expiresAt!: string;
  @ApiTimestampProperty() acceptedAt!: string | null;
  @ApiTimestampProperty() revokedAt!: string | null;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty() updatedAt!: string;

  static from(invitation: Invitation, now = new Date()): InvitationResponseDto {
    return {
      id: invitation.id,
      email: invitation.email,
      roles: (invitation.roles ?? []).map((role) => role.name).sort(),
      status: invitationStatus(invitation, now),
      invitedBy: invitation.invitedBy,
      expiresAt: invitation.expiresAt.toISOString(),
      acceptedAt: invitation.acceptedAt?.toISOString() ?? null,
      revokedAt: invitation.revokedAt?.toISOString() ?? null,
      createdAt: invitation.createdAt.toISOString(),
      updatedAt: invitation.updatedAt.toISOString(),
    };
  }
}

export class InvitationPreviewOrganizationDto {
  @ApiProperty({ maxLength: 255, example: 'Acme Inc.' }) name!: string;
}

/** What the accept page shows before the person chooses a password. */
export class InvitationPreviewResponseDto {
  organization!: InvitationPreviewOrganizationDto;
  @ApiProperty({ format: 'email', maxLength: MAX_EMAIL_LENGTH, example: 'grace@acme.test' })
  email!: string;
  @ApiTimestampProperty() expiresAt!: string;
}
