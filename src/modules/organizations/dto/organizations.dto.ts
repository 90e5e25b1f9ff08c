import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { PageQueryDto } from '../../../http/pagination.dto';
import {
  MFA_POLICIES,
  type MfaPolicy,
  type Organization,
  type OrganizationSettings,
} from '../organization.entity';
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

  @ApiProperty({
    enum: MFA_POLICIES,
    description:
      'Who must use two-factor authentication: nobody, holders of the admin role, or everyone. A member it covers who has none can only set it up (403 MFA_ENROLMENT_REQUIRED elsewhere), from their next request on',
  })
  @IsOptional()
  @IsIn(MFA_POLICIES)
  mfaRequired?: MfaPolicy;
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
  /** Who must use two-factor authentication */
  @ApiProperty({ enum: MFA_POLICIES })
  mfaRequired!: MfaPolicy;
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
      mfaRequired: organization.mfaRequired,
      createdAt: organization.createdAt.toISOString(),
      updatedAt: organization.updatedAt.toISOString(),
    };
  }
}
