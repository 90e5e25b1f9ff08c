import {
  type MigrationInterface,
  type QueryRunner,
  Table,
  type TableColumnOptions,
  TableForeignKey,
} from 'typeorm';

const uuid = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable: nullable,
});
const timestamp = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable: nullable,
});

const PERMISSION = 'api_keys.manage';

/**
 * API keys of an organization. Only an HMAC of each key's secret is stored. The unique index on
 * public_id is the one index not led by organization_id: a key arrives without its
 * organization, and names it through that row. The built-in admin role of every existing
 * organization gets api_keys.manage (new organizations get it from BUILT_IN_ROLES).
 */
export class CreateApiKeys1796176041874 implements MigrationInterface {
  name = 'CreateApiKeys1796176041874';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          { ...uuid('id'), isPrimary: true },
          uuid('organization_id'),
          { name: 'public_id', type: 'varchar', length: '24', isNullable: false },
          { name: 'name', type: 'varchar', length: '100', isNullable: false },
          { name: 'secret_hmac', type: 'varchar', length: '64', isNullable: false },
          { name: 'permissions', type: 'text', isNullable: false },
          uuid('created_by', true),
          timestamp('created_at'),
          timestamp('updated_at'),
          timestamp('last_used_at', true),
          timestamp('expires_at', true),
          timestamp('revoked_at', true),
        ],
        uniques: [{ name: 'uq_api_keys_public_id', columnNames: ['public_id'] }],
        indices: [
          {
            name: 'idx_api_keys_organization_created',
            columnNames: ['organization_id', 'created_at'],
          },
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
    await this.changeAdminRoles(queryRunner, (permissions) =>
      permissions.includes(PERMISSION) ? permissions : [...permissions, PERMISSION],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.changeAdminRoles(queryRunner, (permissions) =>
      permissions.filter((code) => code !== PERMISSION),
    );
    await queryRunner.dropTable('api_keys');
  }

  private async changeAdminRoles(
    queryRunner: QueryRunner,
    change: (permissions: string[]) => string[],
  ): Promise<void> {
    const rows = (await queryRunner.query(
      "SELECT id, permissions FROM roles WHERE is_built_in = 1 AND name = 'admin'",
    )) as { id: string; permissions: string }[];
    for (const row of rows) {
      const next = JSON.stringify(change(JSON.parse(row.permissions) as string[]));
      if (next !== row.permissions)
        await queryRunner.query('UPDATE roles SET permissions = ? WHERE id = ?', [next, row.id]);
    }
  }
}
