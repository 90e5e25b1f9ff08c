import {
  type MigrationInterface,
  type QueryRunner,
  Table,
  TableForeignKey,
  type TableColumnOptions,
} from 'typeorm';

/** Portable column shapes shared by the tables below (schema-builder API only: runs on MySQL and SQLite). */
const uuid = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable: nullable,
});
const id: TableColumnOptions = { ...uuid('id'), isPrimary: true };
const timestamp = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable: nullable,
});
const text = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const json = (name: string, nullable = true): TableColumnOptions => ({
  name,
  type: 'text',
  isNullable: nullable,
});
const audited = [timestamp('created_at'), timestamp('updated_at')];
const actors = [uuid('created_by', true), uuid('updated_by', true)];

const organizationFk = (onDelete: 'RESTRICT' | 'CASCADE' = 'RESTRICT') =>
  new TableForeignKey({
    columnNames: ['organization_id'],
    referencedTableName: 'organizations',
    referencedColumnNames: ['id'],
    onDelete,
  });

export class CreateIdentityTables1764086400000 implements MigrationInterface {
  name = 'CreateIdentityTables1764086400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'organizations',
        columns: [
          id,
          text('name', 255),
          text('subdomain', 63),
          { ...text('status', 16), default: "'active'" },
          json('settings'),
          ...audited,
        ],
        uniques: [{ name: 'uq_organizations_subdomain', columnNames: ['subdomain'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id,
          uuid('organization_id'),
          text('email', 320),
          text('password_hash', 60),
          text('first_name', 100),
          text('last_name', 100),
          { ...text('status', 16), default: "'active'" },
          timestamp('last_login_at', true),
          ...audited,
          ...actors,
        ],
        uniques: [
          { name: 'uq_users_organization_email', columnNames: ['organization_id', 'email'] },
        ],
        indices: [{ name: 'idx_users_organization', columnNames: ['organization_id'] }],
        foreignKeys: [organizationFk()],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'roles',
        columns: [
          id,
          uuid('organization_id'),
          text('name', 64),
          text('description', 255, true),
          json('permissions', false),
          { name: 'is_built_in', type: 'boolean', default: false },
          ...audited,
          ...actors,
        ],
        uniques: [{ name: 'uq_roles_organization_name', columnNames: ['organization_id', 'name'] }],
        indices: [{ name: 'idx_roles_organization', columnNames: ['organization_id'] }],
        foreignKeys: [organizationFk()],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'user_roles',
        columns: [
          { ...uuid('user_id'), isPrimary: true },
          { ...uuid('role_id'), isPrimary: true },
        ],
        indices: [{ name: 'idx_user_roles_role', columnNames: ['role_id'] }],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          // RESTRICT: a role that is still assigned cannot be deleted, even by a buggy caller.
          new TableForeignKey({
            columnNames: ['role_id'],
            referencedTableName: 'roles',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'audit_logs',
        columns: [
          id,
          uuid('organization_id', true),
          uuid('user_id', true),
          text('action', 64),
          text('entity_type', 64, true),
          text('entity_id', 64, true),
          json('before_values'),
          json('after_values'),
          json('metadata'),
          text('ip', 64, true),
          text('user_agent', 512, true),
          text('request_id', 128, true),
          timestamp('created_at'),
        ],
        indices: [
          {
            name: 'idx_audit_logs_organization_created',
            columnNames: ['organization_id', 'created_at'],
          },
          {
            name: 'idx_audit_logs_organization_action',
            columnNames: ['organization_id', 'action'],
          },
        ],
        foreignKeys: [organizationFk()],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_logs', 'user_roles', 'roles', 'users', 'organizations']) {
      await queryRunner.dropTable(table);
    }
  }
}
