import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/**
 * The transactional outbox: an event row written in the same transaction as the change that
 * causes work, moved to the job queue by the relay. `next_attempt_at` leads the pending index
 * with `dispatched_at`, so the relay's claim reads only rows that are due.
 */
export class CreateOutboxEvents1796173633248 implements MigrationInterface {
  name = 'CreateOutboxEvents1796173633248';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'outbox_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36' },
          { name: 'type', type: 'varchar', length: '100' },
          { name: 'payload', type: 'text' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'dispatched_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'attempts', type: 'int', default: 0 },
          { name: 'next_attempt_at', type: 'datetime', precision: 3 },
          { name: 'last_error', type: 'varchar', length: '500', isNullable: true },
        ],
        indices: [
          { name: 'idx_outbox_events_pending', columnNames: ['dispatched_at', 'next_attempt_at'] },
          {
            name: 'idx_outbox_events_organization',
            columnNames: ['organization_id', 'created_at'],
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('outbox_events');
  }
}
