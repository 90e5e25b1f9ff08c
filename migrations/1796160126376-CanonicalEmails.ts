import type { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalEmail } from '../src/security/email';

/** The tables holding login emails, with the column their uniqueness is scoped by. */
const ACCOUNT_TABLES = [
  { table: 'users', scope: 'organization_id' },
  { table: 'superusers', scope: null },
] as const;

interface AccountRow {
  id: string;
  scope: string | null;
  email: string;
}

interface Plan {
  updates: { table: string; id: string; email: string }[];
  /** Per table, the groups of ids that would share one canonical address. */
  collisions: { table: string; ids: string[] }[];
}

/**
 * Stores every login email in its canonical form and, on MySQL/MariaDB, in a binary collation,
 * so that lookups and the unique constraints compare byte for byte as SQLite always did.
 * It uses the application's own canonicalEmail(): the stored form must be exactly what every
 * lookup computes (a change to that function needs a migration of its own).
 *
 * Refuses, before changing anything, when two accounts would end up with one address. Down
 * restores the table's default collation; the rows stay canonical (the original spellings are
 * gone), which is valid under either collation.
 */
export class CanonicalEmails1796160126376 implements MigrationInterface {
  name = 'CanonicalEmails1796160126376';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { updates, collisions } = await plan(queryRunner);
    if (collisions.length > 0) {
      const groups = collisions
        .map(({ table, ids }) => `${table} (ids ${ids.join(', ')})`)
        .join('; ');
      throw new Error(
        `CanonicalEmails: ${collisions.length} group(s) of accounts would share one email address ` +
          `once emails are NFKC-normalized and lower-cased: ${groups}. Nothing was changed. Keep one ` +
          'account per group (change the email of the others or delete them), then run the migrations again.',
      );
    }
    // Binary first: under it the rewritten rows cannot clash with each other's old spelling.
    if (isMysql(queryRunner)) {
      for (const { table } of ACCOUNT_TABLES)
        await queryRunner.query(
          `ALTER TABLE ${quote(queryRunner, table)} MODIFY ${quote(queryRunner, 'email')} varchar(320) COLLATE utf8mb4_bin NOT NULL`,
        );
    }
    for (const { table, id, email } of updates)
      await queryRunner.query(
        `UPDATE ${quote(queryRunner, table)} SET ${quote(queryRunner, 'email')} = ? WHERE ${quote(queryRunner, 'id')} = ?`,
        [email, id],
      );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!isMysql(queryRunner)) return;
    for (const { table } of ACCOUNT_TABLES)
      await queryRunner.query(
        `ALTER TABLE ${quote(queryRunner, table)} MODIFY ${quote(queryRunner, 'email')} varchar(320) NOT NULL`,
      );
  }
}

/** The rows to rewrite and the collisions that forbid it, from one read of each table. */
async function plan(queryRunner: QueryRunner): Promise<Plan> {
  const result: Plan = { updates: [], collisions: [] };
  for (const { table, scope } of ACCOUNT_TABLES) {
    const rows = (await queryRunner.query(
      `SELECT ${quote(queryRunner, 'id')} AS id, ${scope ? quote(queryRunner, scope) : 'NULL'} AS scope, ${quote(queryRunner, 'email')} AS email FROM ${quote(queryRunner, table)}`,
    )) as AccountRow[];
    const idsByAddress = new Map<string, string[]>();
    for (const row of rows) {
      const email = canonicalEmail(row.email);
      if (email !== row.email) result.updates.push({ table, id: row.id, email });
      const key = JSON.stringify([row.scope, email]);
      idsByAddress.set(key, [...(idsByAddress.get(key) ?? []), row.id]);
    }
    for (const ids of idsByAddress.values())
      if (ids.length > 1) result.collisions.push({ table, ids });
  }
  return result;
}

function isMysql(queryRunner: QueryRunner): boolean {
  return ['mysql', 'mariadb'].includes(queryRunner.connection.driver.options.type);
}

function quote(queryRunner: QueryRunner, name: string): string {
  return queryRunner.connection.driver.escape(name);
}
