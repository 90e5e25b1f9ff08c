import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One row per message the transport accepted, keyed by the sending job's idempotency key, so
 * a retried job finds its key and does not send again. Append-only, read by MailDelivery only.
 */
@Entity({ name: 'mail_deliveries' })
@Index('idx_mail_deliveries_organization_sent', ['organizationId', 'sentAt'])
export class MailDeliveryRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Index('uq_mail_deliveries_idempotency_key', { unique: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey!: string;

  /** The Message-ID header, to find the message in the relay's logs. */
  @Column({ name: 'message_id', type: 'varchar', length: 255 })
  messageId!: string;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, update: false })
  sentAt!: Date;
}
