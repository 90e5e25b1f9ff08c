import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../http/pagination.dto';
import type { Organization, OrganizationSettings } from '../organization.entity';
import { IsFlatSettings, SETTINGS_LIMITS } from './settings.validator';

export class UpdateOrganizationDto {
  @ApiPropertyOptional({ example: 'Acme Corporation' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({
    example: { locale: 'en-GB' },
    description: `Replaces every setting. Flat key/value pairs: at most ${SETTINGS_LIMITS.maxKeys} keys of 1-64 letters, digits, _, - or .; values are strings (at most ${SETTINGS_LIMITS.maxStringLength} characters), finite numbers or booleans; at most ${SETTINGS_LIMITS.maxBytes} bytes as JSON. Objects, arrays and null are refused.`,
  })
  @IsOptional()
  @IsFlatSettings()
  settings?: OrganizationSettings;
}

export class UpdateOrganizationStatusDto {
  @ApiProperty({ enum: ['active', 'suspended'] })
  @IsIn(['active', 'suspended'])
  status!: 'active' | 'suspended';
}

export class ListOrganizationsQueryDto extends PageQueryDto {}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() subdomain!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: OrganizationSettings;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(organization: Organization): OrganizationDto {
    return {
      id: organization.id,
      name: organization.name,
      subdomain: organization.subdomain,
      status: organization.status,
      settings: organization.settings ?? {},
      createdAt: organization.createdAt.toISOString(),
      updatedAt: organization.updatedAt.toISOString(),
    };
  }
}
