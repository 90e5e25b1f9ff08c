import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * users.email_verified_at: when the user proved they read mail at their address (null: never;
 * existing users start unverified, which only matters once an organization requires it).
 * organizations.require_verified_email: the organization's policy, off by default.
 */
export class EmailVerification1796172946813 implements MigrationInterface {
  name = 'EmailVerification1796172946813';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'users',
      new TableColumn({
        name: 'email_verified_at',
        type: 'datetime',
        precision: 3,
        isNullable: true,
      }),
    );
    await queryRunner.addColumn(
      'organizations',
      new TableColumn({
        name: 'require_verified_email',
        type: 'boolean',
        isNullable: false,
        default: false,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('organizations', 'require_verified_email');
    await queryRunner.dropColumn('users', 'email_verified_at');
  }
}
