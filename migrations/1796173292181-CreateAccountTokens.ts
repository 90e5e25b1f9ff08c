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

/**
 * Single-use account tokens (invitation, email verification, password reset, email change).
 * Only the SHA-256 of a token is stored. Its unique index is the one index not led by
 * organization_id: a token arrives without its organization's id, and the lookup by hash
 * still checks the tenant. The subject indexes serve revocation ("every live reset token of
 * this user"). invitation_id gets its foreign key with the invitations table.
 */
export class CreateAccountTokens1796173292181 implements MigrationInterface {
  name = 'CreateAccountTokens1796173292181';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    await queryRunner.createTable(
      new Table({
        name: 'account_tokens',
        columns: [
          { ...uuid('id'), isPrimary: true },
          uuid('organization_id'),
          { name: 'purpose', type: 'varchar', length: '32', isNullable: false },
          { name: 'token_hash', type: 'varchar', length: '64', isNullable: false },
          uuid('user_id', true),
          uuid('invitation_id', true),
          {
            name: 'email',
            type: 'varchar',
            length: '320',
            isNullable: false,
            // Canonical emails compare byte for byte, as users.email does.
            ...(mysql ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {}),
          },
          timestamp('expires_at'),
          timestamp('used_at', true),
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_account_tokens_hash', columnNames: ['token_hash'] }],
        indices: [
          {
            name: 'idx_account_tokens_organization_user',
            columnNames: ['organization_id', 'user_id', 'purpose'],
          },
          {
            name: 'idx_account_tokens_organization_invitation',
            columnNames: ['organization_id', 'invitation_id', 'purpose'],
          },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['organization_id'],
            referencedTableName: 'organizations',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
          }),
          new TableForeignKey({
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('account_tokens');
  }
}
