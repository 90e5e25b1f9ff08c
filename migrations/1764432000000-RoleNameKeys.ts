import {
  type MigrationInterface,
  type QueryRunner,
  TableColumn,
  TableIndex,
  TableUnique,
} from 'typeorm';

/**
 * roles.name_key: the canonical comparison key of a role name (NFKC, lower-case, invisible
 * characters removed, trimmed; the same function as src/modules/roles/role-name.ts, copied
 * here because a migration must keep meaning what it meant when it ran). It is unique per
 * organization and compared byte for byte on MySQL (utf8mb4_bin) as on SQLite, replacing the
 * unique index on `name`, whose MySQL collation folded case and accents that SQLite does not.
 * Refuses to run, naming the rows, if two roles of one organization share a key.
 */
function roleNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .trim();
}

const OLD_UNIQUE = 'uq_roles_organization_name';
const NEW_UNIQUE = 'uq_roles_organization_name_key';

export class RoleNameKeys1764432000000 implements MigrationInterface {
  name = 'RoleNameKeys1764432000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const rows = (await queryRunner.query('SELECT id, organization_id, name FROM roles')) as {
      id: string;
      organization_id: string;
      name: string;
    }[];
    // Sorted here, by code unit: MySQL's ORDER BY would fold case and give no stable order.
    const order = (row: { organization_id: string; name: string }) =>
      `${row.organization_id} ${row.name}`;
    rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    const seen = new Map<string, string>();
    const collisions: string[] = [];
    for (const row of rows) {
      const slot = `${row.organization_id} ${roleNameKey(row.name)}`;
      const first = seen.get(slot);
      if (first === undefined) seen.set(slot, row.name);
      else collisions.push(`organization ${row.organization_id}: "${first}" and "${row.name}"`);
    }
    if (collisions.length > 0)
      throw new Error(
        `Cannot add roles.name_key: these roles have the same name once case and Unicode form are ignored; rename one of each pair, then run the migrations again:\n${collisions.join('\n')}`,
      );

    const column = (nullable: boolean) =>
      new TableColumn({
        name: 'name_key',
        type: 'varchar',
        length: '64',
        isNullable: nullable,
        ...(mysql ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {}),
      });
    await queryRunner.addColumn('roles', column(true));
    for (const row of rows)
      await queryRunner.query('UPDATE roles SET name_key = ? WHERE id = ?', [
        roleNameKey(row.name),
        row.id,
      ]);
    await queryRunner.changeColumn('roles', 'name_key', column(false));
    // MySQL keeps a unique constraint as a unique index; SQLite as a table constraint.
    if (mysql) await queryRunner.dropIndex('roles', OLD_UNIQUE);
    else await queryRunner.dropUniqueConstraint('roles', OLD_UNIQUE);
    await queryRunner.createIndex(
      'roles',
      new TableIndex({
        name: NEW_UNIQUE,
        columnNames: ['organization_id', 'name_key'],
        isUnique: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const columnNames = ['organization_id', 'name'];
    await queryRunner.dropIndex('roles', NEW_UNIQUE);
    await queryRunner.dropColumn('roles', 'name_key');
    if (queryRunner.connection.options.type === 'mysql')
      await queryRunner.createIndex(
        'roles',
        new TableIndex({ name: OLD_UNIQUE, columnNames, isUnique: true }),
      );
    else
      await queryRunner.createUniqueConstraint(
        'roles',
        new TableUnique({ name: OLD_UNIQUE, columnNames }),
      );
  }
}
