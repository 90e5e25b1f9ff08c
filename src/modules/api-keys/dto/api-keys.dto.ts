import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { PageQueryDto } from '../../../http/pagination.dto';
import { API_KEY_PERMISSIONS } from '../../../security/permissions';
import { MAX_API_KEY_NAME_LENGTH, type ApiKey } from '../api-key.entity';
import { apiKeyPrefix, type ApiKeyEnvironment } from '../api-key-secrets';

const PERMISSIONS_PROPERTY = {
  enum: API_KEY_PERMISSIONS,
  isArray: true,
  maxItems: API_KEY_PERMISSIONS.length,
  example: ['products.read'],
} as const;

/** sk_test_ + 24 hex digits */
const PREFIX_LENGTH = 32;

export class CreateApiKeyDto {
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_API_KEY_NAME_LENGTH,
    example: 'Nightly stock sync',
    description: 'What the key is for, to recognise it in the list; trimmed',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_API_KEY_NAME_LENGTH)
  name!: string;

  @ApiProperty({
    ...PERMISSIONS_PROPERTY,
    minItems: 1,
    description:
      'The only permissions the key will have; each one you hold yourself. api_keys.manage and roles.manage are never granted to a key.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(API_KEY_PERMISSIONS, {
    each: true,
    message: `each permission must be one of ${API_KEY_PERMISSIONS.join(', ')}`,
  })
  permissions!: string[];

  @ApiProperty({
    required: false,
    format: 'date-time',
    maxLength: 40,
    example: '2027-01-31T00:00:00.000Z',
    description: 'When the key stops working; in the future. Unset: never.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt?: string;
}

export class ListApiKeysQueryDto extends PageQueryDto {}

/** A key as lists show it: never the key itself. */
export class ApiKeyResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ maxLength: MAX_API_KEY_NAME_LENGTH }) name!: string;
  /** The start of the key, sk_<env>_<publicId>, to tell keys apart @example 'sk_live_0f3c9a1b2d4e5f60718293a4' */
  @ApiProperty({ maxLength: PREFIX_LENGTH })
  prefix!: string;
  @ApiProperty(PERMISSIONS_PROPERTY)
  permissions!: string[];
  /** The user who created the key */
  @ApiUuidProperty({ nullable: true })
  createdBy!: string | null;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty({ nullable: true }) lastUsedAt!: string | null;
  @ApiTimestampProperty({ nullable: true }) expiresAt!: string | null;
  @ApiTimestampProperty({ nullable: true }) revokedAt!: string | null;

  static from(key: ApiKey, environment: ApiKeyEnvironment): ApiKeyResponseDto {
    return {
      id: key.id,
      name: key.name,
      prefix: apiKeyPrefix(environment, key.publicId),
      permissions: [...key.permissions].sort(),
      createdBy: key.createdBy,
      createdAt: key.createdAt.toISOString(),
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      expiresAt: key.expiresAt?.toISOString() ?? null,
      revokedAt: key.revokedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  /** The key, shown this once and never again: store it now @example 'sk_live_0f3c9a1b2d4e5f60718293a4_Xq0-vJ8m_2sQ4n9TfW1yZk7LcB3dHuRaE5pGxNoV6iY' */
  @ApiProperty({ minLength: 76, maxLength: 76 })
  key!: string;
}
