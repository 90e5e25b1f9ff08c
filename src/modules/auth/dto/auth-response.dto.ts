import { ApiProperty } from '@nestjs/swagger';
import type { CachedIdentity } from '../../../context/identity';
import type { Principal, PrincipalKind } from '../../../context/request-context';
import { ApiTimestampProperty, ApiUuidProperty, INT32_MAX } from '../../../http/api-properties';
import { MAX_EMAIL_LENGTH } from '../../../security/email';
import { ALL_PERMISSIONS, API_KEY_PERMISSIONS } from '../../../security/permissions';
import type { SessionRecord } from '../../sessions/session.service';
import { MAX_USER_ROLES } from '../../users/dto/users.dto';
import { MFA_POLICIES, type MfaPolicy } from '../../organizations/organization.entity';

/** The signed-in user, with the permissions their roles grant. */
export class AuthUserResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ format: 'email', maxLength: MAX_EMAIL_LENGTH, example: 'admin@acme.test' })
  email!: string;
  @ApiProperty({ maxLength: 100, example: 'Ada' }) firstName!: string;
  @ApiProperty({ maxLength: 100, example: 'Acme' }) lastName!: string;
  status!: 'active' | 'disabled';
  @ApiProperty({ maxItems: MAX_USER_ROLES, items: { maxLength: 64 }, example: ['admin'] })
  roles!: string[];
  @ApiProperty({
    enum: ALL_PERMISSIONS,
    isArray: true,
    maxItems: ALL_PERMISSIONS.length,
    example: ['users.read', 'products.read'],
  })
  permissions!: string[];
  @ApiUuidProperty() organizationId!: string;
  @ApiTimestampProperty() emailVerifiedAt!: string | null;
  /** Two-factor authentication is on: sign-in asks for a code */
  mfaEnabled!: boolean;
  @ApiTimestampProperty() lastLoginAt!: string | null;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty() updatedAt!: string;

  static from(identity: CachedIdentity): AuthUserResponseDto {
    return {
      ...identity.user,
      permissions: identity.permissions,
      organizationId: identity.organization.id,
    };
  }
}

/** The organization the user signed in to. */
export class AuthOrganizationResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ maxLength: 255, example: 'Acme Inc.' }) name!: string;
  @ApiProperty({ maxLength: 63, example: 'acme' }) subdomain!: string;
  status!: 'active' | 'suspended';
  /** Who must use two-factor authentication (`off` for the platform) */
  @ApiProperty({ enum: MFA_POLICIES })
  mfaRequired!: MfaPolicy;
}

export class TokensResponseDto {
  @ApiProperty({ maxLength: 2048, example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' })
  accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  /**
   * Seconds until the access token expires
   * @example 900
   */
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: INT32_MAX })
  expiresIn!: number;
  /** Only when the request asked for refreshTokenInBody (or sent the token in the body) */
  @ApiProperty({ maxLength: 200 })
  refreshToken?: string;
}

export class AuthResponseDto {
  user!: AuthUserResponseDto;
  organization!: AuthOrganizationResponseDto;
  tokens!: TokensResponseDto;
}

/** The API key making the request. */
export class ApiKeyIdentityResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ maxLength: 100, example: 'Nightly stock sync' }) name!: string;
  /** The key's own permissions: the only ones its requests have */
  @ApiProperty({
    enum: API_KEY_PERMISSIONS,
    isArray: true,
    maxItems: API_KEY_PERMISSIONS.length,
    example: ['products.read'],
  })
  permissions!: string[];
}

export class MeResponseDto {
  /** tenant: a user of the organization; platform: a superuser; api_key: an API key */
  @ApiProperty({ enum: ['tenant', 'platform', 'api_key'] })
  kind!: PrincipalKind;
  /** The signed-in user; null for an API key */
  @ApiProperty({ type: AuthUserResponseDto, nullable: true })
  user!: AuthUserResponseDto | null;
  /** The API key; null for a user */
  @ApiProperty({ type: ApiKeyIdentityResponseDto, nullable: true })
  apiKey!: ApiKeyIdentityResponseDto | null;
  organization!: AuthOrganizationResponseDto;

  static from(principal: Principal): MeResponseDto {
    if (principal.kind === 'api_key')
      return {
        kind: principal.kind,
        user: null,
        apiKey: {
          id: principal.apiKeyId,
          name: principal.apiKeyName,
          permissions: principal.permissions,
        },
        organization: principal.organization,
      };
    return {
      kind: principal.kind,
      user: AuthUserResponseDto.from(principal.identity),
      apiKey: null,
      organization: principal.identity.organization,
    };
  }
}

export class SessionResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ type: String, maxLength: 256 }) userAgent!: string | null;
  @ApiProperty({ type: String, maxLength: 45, example: '203.0.113.7' }) ip!: string | null;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty() lastUsedAt!: string;
  /** The session of the token making this request */
  current!: boolean;
  /** The sign-in took a second factor (TOTP or a recovery code) */
  mfa!: boolean;

  static from(session: SessionRecord, currentSessionId: string): SessionResponseDto {
    return {
      id: session.id,
      userAgent: session.userAgent,
      ip: session.ip,
      createdAt: new Date(session.createdAt).toISOString(),
      lastUsedAt: new Date(session.lastUsedAt).toISOString(),
      current: session.id === currentSessionId,
      mfa: session.amr?.includes('otp') ?? false,
    };
  }
}

const COUNT = { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX } as const;

export class SessionsEndedResponseDto {
  /**
   * How many sessions ended, this one included
   * @example 3
   */
  @ApiProperty(COUNT)
  sessionsEnded!: number;
}

export class PasswordChangedResponseDto {
  /**
   * How many other sessions ended; this one stays signed in
   * @example 2
   */
  @ApiProperty(COUNT)
  otherSessionsEnded!: number;
}
