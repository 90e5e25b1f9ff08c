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
 * Invitations and the roles each one grants on acceptance.
 *
 * - `pending_email` holds the address while the invitation is pending and is null afterwards:
 *   its unique index allows one pending invitation per address and organization, also under
 *   concurrent requests (both MySQL and SQLite let any number of NULLs share a unique index).
 * - `send_count` counts the sends (1 at creation, +1 per resend): a send job carries the count
 *   it was queued for and does nothing once a newer send superseded it.
 * - invitation_roles references the roles themselves, as user_roles does, so a renamed role
 *   stays on the invitation. Deleting a role removes it from invitations (CASCADE): an
 *   invitation may then grant less than it said, never more.
 * - account_tokens.invitation_id gets its foreign key here: an invitation's tokens go with it.
 */
export class CreateInvitations1796175846826 implements MigrationInterface {
  name = 'CreateInvitations1796175846826';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    // Canonical emails compare byte for byte, as users.email does.
    const binary = mysql ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await queryRunner.createTable(
      new Table({
        name: 'invitations',
        columns: [
          { ...uuid('id'), isPrimary: true },
          uuid('organization_id'),
          { name: 'email', type: 'varchar', length: '320', isNullable: false, ...binary },
          { name: 'pending_email', type: 'varchar', length: '320', isNullable: true, ...binary },
          { name: 'status', type: 'varchar', length: '16', isNullable: false },
          uuid('invited_by', true),
          { name: 'send_count', type: 'int', isNullable: false, default: 1 },
          timestamp('expires_at'),
          timestamp('accepted_at', true),
          timestamp('revoked_at', true),
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
        uniques: [
          {
            name: 'uq_invitations_organization_pending_email',
            columnNames: ['organization_id', 'pending_email'],
          },
        ],
        indices: [
          {
            name: 'idx_invitations_organization_created',
            columnNames: ['organization_id', 'created_at'],
          },
          {
            name: 'idx_invitations_organization_status_expires',
            columnNames: ['organization_id', 'status', 'expires_at'],
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
            columnNames: ['invited_by'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'invitation_roles',
        columns: [
          { ...uuid('invitation_id'), isPrimary: true },
          { ...uuid('role_id'), isPrimary: true },
        ],
        indices: [{ name: 'idx_invitation_roles_role', columnNames: ['role_id'] }],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['invitation_id'],
            referencedTableName: 'invitations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          new TableForeignKey({
            columnNames: ['role_id'],
            referencedTableName: 'roles',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createForeignKey(
      'account_tokens',
      new TableForeignKey({
        name: 'fk_account_tokens_invitation',
        columnNames: ['invitation_id'],
        referencedTableName: 'invitations',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropForeignKey('account_tokens', 'fk_account_tokens_invitation');
    await queryRunner.dropTable('invitation_roles');
    await queryRunner.dropTable('invitations');
  }
}
