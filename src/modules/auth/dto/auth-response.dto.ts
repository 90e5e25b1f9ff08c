import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CachedIdentity } from '../../../context/identity';
import type { SessionRecord } from '../../sessions/session.service';

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'owner@acme.test' }) email!: string;
  @ApiProperty({ example: 'Ada' }) firstName!: string;
  @ApiProperty({ example: 'Lovelace' }) lastName!: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty({ example: ['admin'] }) roles!: string[];
  @ApiProperty({ example: ['users.read', 'products.read'] }) permissions!: string[];
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastLoginAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(identity: CachedIdentity): UserResponseDto {
    return {
      ...identity.user,
      permissions: identity.permissions,
      organizationId: identity.organization.id,
    };
  }
}

export class OrganizationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Acme Inc.' }) name!: string;
  @ApiProperty({ example: 'acme' }) subdomain!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: string;
}

export class TokensDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' }) accessToken!: string;
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' })
  expiresIn!: number;
  @ApiPropertyOptional({
    description:
      'Only when the request asked for refreshTokenInBody (or sent the token in the body)',
  })
  refreshToken?: string;
}

export class AuthResultDto {
  @ApiProperty({ type: UserResponseDto }) user!: UserResponseDto;
  @ApiProperty({ type: OrganizationResponseDto }) organization!: OrganizationResponseDto;
  @ApiProperty({ type: TokensDto }) tokens!: TokensDto;
}

export class MeResponseDto {
  @ApiProperty({ type: UserResponseDto }) user!: UserResponseDto;
  @ApiProperty({ type: OrganizationResponseDto }) organization!: OrganizationResponseDto;
}

export class SessionResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastUsedAt!: string;
  @ApiProperty({ description: 'The session of the token making this request' }) current!: boolean;

  static from(session: SessionRecord, currentSessionId: string): SessionResponseDto {
    return {
      id: session.id,
      userAgent: session.userAgent,
      ip: session.ip,
      createdAt: new Date(session.createdAt).toISOString(),
      lastUsedAt: new Date(session.lastUsedAt).toISOString(),
      current: session.id === currentSessionId,
    };
  }
}

export class SessionsEndedDto {
  @ApiProperty({ example: 3, description: 'How many sessions ended, this one included' })
  sessionsEnded!: number;
}

export class PasswordChangedDto {
  @ApiProperty({
    example: 2,
    description: 'How many other sessions ended; this one stays signed in',
  })
  otherSessionsEnded!: number;
}
