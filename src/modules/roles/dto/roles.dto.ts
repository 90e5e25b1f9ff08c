import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { ALL_PERMISSIONS } from '../../../security/permissions';
import type { Role } from '../role.entity';

/** NFKC and lower case before the pattern: `Support` is stored as `support`. */
const canonicalName = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.normalize('NFKC').toLowerCase().trim() : value;

export class CreateRoleDto {
  @ApiProperty({
    example: 'support',
    description:
      'Letters, digits, - and _, stored lower-case; unique per organization ignoring case and Unicode form; not superuser, platform, system, root or a built-in role name',
  })
  @Transform(canonicalName)
  @Matches(/^[a-z][a-z0-9_-]{1,63}$/, {
    message: 'name must be 2-64 lowercase letters, digits, - or _',
  })
  name!: string;

  @ApiPropertyOptional({ example: 'Reads users and products' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(255)
  description?: string;

  @ApiProperty({ example: ['users.read', 'products.read'], enum: ALL_PERMISSIONS, isArray: true })
  @IsArray()
  @ArrayUnique()
  @IsIn(ALL_PERMISSIONS, {
    each: true,
    message: `each permission must be one of ${ALL_PERMISSIONS.join(', ')}`,
  })
  permissions!: string[];
}

/** As in UpdateProductDto: an explicit `"name": null` meets the validators (400), not the service. */
export class UpdateRoleDto extends PartialType(CreateRoleDto, { skipNullProperties: false }) {}

export class RoleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ example: ['products.read'] }) permissions!: string[];
  @ApiProperty() builtIn!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(role: Role): RoleDto {
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
