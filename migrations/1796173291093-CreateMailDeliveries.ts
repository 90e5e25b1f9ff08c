import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/**
 * The delivery log that makes email sends idempotent: one row per message the transport
 * accepted, under the sending job's idempotency key (unique across every organization, as the
 * keys are). No foreign key to organizations: the log is kept as it was written.
 */
export class CreateMailDeliveries1796173291093 implements MigrationInterface {
  name = 'CreateMailDeliveries1796173291093';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'mail_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36', isNullable: false },
          { name: 'idempotency_key', type: 'varchar', length: '255', isNullable: false },
          { name: 'message_id', type: 'varchar', length: '255', isNullable: false },
          { name: 'sent_at', type: 'datetime', precision: 3, isNullable: false },
        ],
        uniques: [{ name: 'uq_mail_deliveries_idempotency_key', columnNames: ['idempotency_key'] }],
        indices: [
          {
            name: 'idx_mail_deliveries_organization_sent',
            columnNames: ['organization_id', 'sent_at'],
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('mail_deliveries');
  }
}
