import { randomUUID } from 'node:crypto';
import { BeforeInsert, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MAX_USER_AGENT_LENGTH } from '../../context/request-context';

export type AuditValues = Record<string, unknown>;

/** Append-only: security events and administrative changes, with before/after values. */
@Entity({ name: 'audit_logs' })
@Index('idx_audit_logs_organization_created', ['organizationId', 'createdAt'])
@Index('idx_audit_logs_organization_action', ['organizationId', 'action'])
export class AuditLog {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Null only for platform-level events (system scope, superuser actions). */
  @Column({ name: 'organization_id', type: 'varchar', length: 36, nullable: true })
  organizationId!: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 64, nullable: true })
  entityType!: string | null;

  @Column({ name: 'entity_id', type: 'varchar', length: 64, nullable: true })
  entityId!: string | null;

  @Column({ name: 'before_values', type: 'simple-json', nullable: true })
  before!: AuditValues | null;

  @Column({ name: 'after_values', type: 'simple-json', nullable: true })
  after!: AuditValues | null;

  @Column({ type: 'simple-json', nullable: true })
  metadata!: AuditValues | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: MAX_USER_AGENT_LENGTH, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, update: false })
  createdAt!: Date;

  @BeforeInsert()
  protected stampInsert(): void {
    this.id ??= randomUUID();
    this.createdAt ??= new Date();
  }
}
