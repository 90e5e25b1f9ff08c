import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { ApiTimestampProperty, ApiUuidProperty } from '../../../http/api-properties';
import { PageQueryDto } from '../../../http/pagination.dto';
import { AUDIT_ACTIONS, AuditAction } from '../audit-actions';
import type { AuditLog, AuditValues } from '../audit-log.entity';

/** Before, after and metadata: flat objects of the values the event recorded. */
const AUDIT_VALUES = { type: 'object', additionalProperties: true } as const;

export class ListAuditLogsQueryDto extends PageQueryDto {
  @ApiProperty({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: string;

  @ApiProperty({ maxLength: 36 })
  @IsOptional()
  @IsUUID()
  userId?: string;

  /** Events at or after this instant */
  @ApiProperty({ format: 'date-time', maxLength: 64 })
  @IsOptional()
  @IsISO8601()
  from?: string;

  /** Events at or before this instant */
  @ApiProperty({ format: 'date-time', maxLength: 64 })
  @IsOptional()
  @IsISO8601()
  to?: string;
}

export class AuditLogResponseDto {
  @ApiUuidProperty() id!: string;
  @ApiProperty({ enum: AUDIT_ACTIONS, example: AuditAction.USER_ROLES_CHANGED }) action!: string;
  @ApiUuidProperty() userId!: string | null;
  @ApiProperty({ type: String, maxLength: 64 }) entityType!: string | null;
  @ApiProperty({ type: String, maxLength: 64 }) entityId!: string | null;
  @ApiProperty(AUDIT_VALUES) before!: AuditValues | null;
  @ApiProperty(AUDIT_VALUES) after!: AuditValues | null;
  @ApiProperty({
    ...AUDIT_VALUES,
    description:
      'Details of the event; `actor: "platform operator"` when the platform acted on this organization',
  })
  metadata!: AuditValues | null;
  @ApiProperty({ type: String, maxLength: 64 }) ip!: string | null;
  @ApiProperty({ type: String, maxLength: 512 }) userAgent!: string | null;
  @ApiProperty({ type: String, maxLength: 128 }) requestId!: string | null;
  @ApiTimestampProperty() createdAt!: string;

  static from(row: AuditLog): AuditLogResponseDto {
    return {
      id: row.id,
      action: row.action,
      userId: row.userId,
      entityType: row.entityType,
      entityId: row.entityId,
      before: row.before,
      after: row.after,
      metadata: row.metadata,
      ip: row.ip,
      userAgent: row.userAgent,
      requestId: row.requestId,
      createdAt: row.createdAt.toISOString(),
    };
  }
}
