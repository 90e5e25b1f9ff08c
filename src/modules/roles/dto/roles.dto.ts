import { ApiProperty, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { ALL_PERMISSIONS } from '../../../security/permissions';
import type { Role } from '../role.entity';

/** NFKC and lower case before the pattern: `Support` is stored as `support`. */
const canonicalName = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.normalize('NFKC').toLowerCase().trim() : value;

export class CreateRoleDto {
  @ApiProperty({
    example: 'support',
    maxLength: 64,
    description:
      'Letters, digits, - and _, stored lower-case; unique per organization ignoring case and Unicode form; not superuser, platform, system, root or a built-in role name',
  })
  @Transform(canonicalName)
  @Matches(/^[a-z][a-z0-9_-]{1,63}$/, {
    message: 'name must be 2-64 lowercase letters, digits, - or _',
  })
  name!: string;

  /** @example 'Reads users and products' */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(255)
  description?: string;

  @ApiProperty({
    example: ['users.read', 'products.read'],
    enum: ALL_PERMISSIONS,
    isArray: true,
    maxItems: ALL_PERMISSIONS.length,
  })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(ALL_PERMISSIONS.length)
  @IsIn(ALL_PERMISSIONS, {
    each: true,
    message: `each permission must be one of ${ALL_PERMISSIONS.join(', ')}`,
  })
  permissions!: string[];
}

/** As in UpdateProductDto: an explicit `"name": null` meets the validators (400), not the service. */
export class UpdateRoleDto extends PartialType(CreateRoleDto, { skipNullProperties: false }) {}

export class RoleResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ maxLength: 64 }) name!: string;
  @ApiProperty({ type: String, maxLength: 255 }) description!: string | null;
  @ApiProperty({
    enum: ALL_PERMISSIONS,
    isArray: true,
    maxItems: ALL_PERMISSIONS.length,
    example: ['products.read'],
  })
  permissions!: string[];
  builtIn!: boolean;
  @ApiTimestampProperty() createdAt!: string;
  @ApiTimestampProperty() updatedAt!: string;

  static from(role: Role): RoleResponseDto {
    return {
      id: role.id,
      name: role.name,
      description: role.description,
      permissions: [...role.permissions].sort(),
      builtIn: role.isBuiltIn,
      createdAt: role.createdAt.toISOString(),
      updatedAt: role.updatedAt.toISOString(),
    };
  }
}
