import { randomUUID } from 'node:crypto';
import { BeforeInsert, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JobPayload } from '../jobs/job';

/**
 * Work a committed change must cause, recorded in the change's transaction and moved to the
 * job queue by the relay. Read across tenants by the relay only; nothing serves it to clients.
 */
@Entity({ name: 'outbox_events' })
@Index('idx_outbox_events_pending', ['dispatchedAt', 'nextAttemptAt'])
@Index('idx_outbox_events_organization', ['organizationId', 'createdAt'])
export class OutboxEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  /** The job name it becomes, e.g. `mail.password-reset`. */
  @Column({ type: 'varchar', length: 100 })
  type!: string;

  @Column({ type: 'simple-json' })
  payload!: JobPayload;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, update: false })
  createdAt!: Date;

  /** Set once a durable queue has the job (or an in-process job settled); null while the event waits. */
  @Column({ name: 'dispatched_at', type: 'datetime', precision: 3, nullable: true })
  dispatchedAt!: Date | null;

  /** Tries to hand the event to the queue, the successful one included. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3 })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @BeforeInsert()
  protected stampInsert(): void {
    this.id ??= randomUUID();
    this.createdAt ??= new Date();
    this.nextAttemptAt ??= this.createdAt;
    this.dispatchedAt ??= null;
    this.attempts ??= 0;
    this.lastError ??= null;
  }
}
