import {
  type MigrationInterface,
  type QueryRunner,
  Table,
  TableForeignKey,
  type TableColumnOptions,
} from 'typeorm';

/** Portable column shapes (schema-builder API only: runs unchanged on MySQL and SQLite). */
const uuid = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable: nullable,
});
const timestamp = (name: string): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable: false,
});
const text = (name: string, length: number): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: false,
});

/**
 * Products, the reference tenant-scoped table. Every index leads with organization_id, so a
 * tenant's list, sort and filters read only that tenant's slice of an index. No separate
 * single-column organization_id index: each composite one serves as its left prefix,
 * including for the foreign key, and a sixth index would only slow writes down.
 */
export class CreateProducts1764172800000 implements MigrationInterface {
  name = 'CreateProducts1764172800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'products',
        columns: [
          { ...uuid('id'), isPrimary: true },
          uuid('organization_id'),
          text('name', 255),
          text('sku', 50),
          // Exact decimal, never a float; SQLite gives it NUMERIC affinity, so it still sorts and compares as a number.
          { name: 'price', type: 'decimal', precision: 12, scale: 2, isNullable: false },
          { name: 'description', type: 'text', isNullable: true },
          { ...text('status', 16), default: "'active'" },
          timestamp('created_at'),
          timestamp('updated_at'),
          uuid('created_by', true),
          uuid('updated_by', true),
        ],
        uniques: [
          { name: 'uq_products_organization_sku', columnNames: ['organization_id', 'sku'] },
        ],
        indices: [
          {
            name: 'idx_products_organization_created',
            columnNames: ['organization_id', 'created_at'],
          },
          { name: 'idx_products_organization_name', columnNames: ['organization_id', 'name'] },
          { name: 'idx_products_organization_price', columnNames: ['organization_id', 'price'] },
          { name: 'idx_products_organization_status', columnNames: ['organization_id', 'status'] },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['organization_id'],
            referencedTableName: 'organizations',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('products');
  }
}
