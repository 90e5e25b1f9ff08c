import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { PageQueryDto } from '../../../http/pagination.dto';
import type { Organization, OrganizationSettings } from '../organization.entity';
import { IsFlatSettings, SETTINGS_LIMITS } from './settings.validator';

/** A setting's value: a bounded string, a finite number or a boolean. */
const SETTING_VALUE = [
  { type: 'string', maxLength: SETTINGS_LIMITS.maxStringLength },
  { type: 'number' },
  { type: 'boolean' },
];

export class UpdateOrganizationDto {
  /** @example 'Acme Corporation' */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name?: string;

  @ApiProperty({
    type: 'object',
    maxProperties: SETTINGS_LIMITS.maxKeys,
    additionalProperties: { oneOf: SETTING_VALUE },
    example: { locale: 'en-GB' },
    description: `Replaces every setting. Flat key/value pairs: at most ${SETTINGS_LIMITS.maxKeys} keys of 1-64 letters, digits, _, - or .; values are strings (at most ${SETTINGS_LIMITS.maxStringLength} characters), finite numbers or booleans; at most ${SETTINGS_LIMITS.maxBytes} bytes as JSON. Objects, arrays and null are refused.`,
  })
  @IsOptional()
  @IsFlatSettings()
  settings?: OrganizationSettings;

  /** When true, members whose email is not verified cannot sign in (403 EMAIL_NOT_VERIFIED) */
  @IsOptional()
  @IsBoolean()
  requireVerifiedEmail?: boolean;
}

export class UpdateOrganizationStatusDto {
  @IsIn(['active', 'suspended'])
  status!: 'active' | 'suspended';
}

export class ListOrganizationsQueryDto extends PageQueryDto {}

export class OrganizationResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ maxLength: 255 }) name!: string;
  @ApiProperty({ maxLength: 63 }) subdomain!: string;
  status!: 'active' | 'suspended';
  @ApiProperty({
    type: 'object',
    maxProperties: SETTINGS_LIMITS.maxKeys,
    additionalProperties: { oneOf: SETTING_VALUE },
  })
  settings!: OrganizationSettings;
  /** Members must verify their email before they can sign in */
  requireVerifiedEmail!: boolean;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty() updatedAt!: string;

  static from(organization: Organization): OrganizationResponseDto {
    return {
      id: organization.id,
      name: organization.name,
      subdomain: organization.subdomain,
      status: organization.status,
      settings: organization.settings ?? {},
      requireVerifiedEmail: organization.requireVerifiedEmail,
      createdAt: organization.createdAt.toISOString(),
      updatedAt: organization.updatedAt.toISOString(),
    };
  }
}
