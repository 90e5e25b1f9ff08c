import {
  type MigrationInterface,
  type QueryRunner,
  Table,
  TableColumn,
  type TableColumnOptions,
} from 'typeorm';

const uuid = (name: string): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable: false,
});
const timestamp = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable: nullable,
});
const enabledAt = () =>
  new TableColumn({ name: 'mfa_enabled_at', type: 'datetime', precision: 3, isNullable: true });

/**
 * Two-factor authentication.
 * - mfa_factors: one row per user or superuser with the TOTP secret (AES-256-GCM sealed), a
 *   pending secret between setup and confirm, the last time step used (replay refused) and
 *   the hashes of the unused recovery codes. organization_id is the user's organization, or
 *   `platform` for a superuser (the pseudo-id sessions use), so it carries no foreign key.
 *   `version` goes up with every change of the recovery codes: a code is used by a conditional
 *   UPDATE on it, so of two concurrent uses of one code exactly one wins.
 * - users / superusers.mfa_enabled_at: whether the factor is active, beside the identity the
 *   session cache and the user list read.
 * - organizations.mfa_required: the policy, off by default.
 */
export class TwoFactorAuthentication1796176303888 implements MigrationInterface {
  name = 'TwoFactorAuthentication1796176303888';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'mfa_factors',
        columns: [
          { ...uuid('id'), isPrimary: true },
          uuid('organization_id'),
          uuid('user_id'),
          { name: 'secret', type: 'varchar', length: '255', isNullable: true },
          { name: 'pending_secret', type: 'varchar', length: '255', isNullable: true },
          timestamp('enabled_at', true),
          { name: 'last_used_step', type: 'integer', isNullable: true },
          { name: 'recovery_codes', type: 'text', isNullable: true },
          { name: 'version', type: 'integer', isNullable: false, default: 0 },
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
        uniques: [{ name: 'uq_mfa_factors_owner', columnNames: ['organization_id', 'user_id'] }],
      }),
    );
    await queryRunner.addColumn('users', enabledAt());
    await queryRunner.addColumn('superusers', enabledAt());
    await queryRunner.addColumn(
      'organizations',
      new TableColumn({
        name: 'mfa_required',
        type: 'varchar',
        length: '16',
        isNullable: false,
        default: "'off'",
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('organizations', 'mfa_required');
    await queryRunner.dropColumn('superusers', 'mfa_enabled_at');
    await queryRunner.dropColumn('users', 'mfa_enabled_at');
    await queryRunner.dropTable('mfa_factors');
  }
}
