import { DataSource } from 'typeorm';
import { TEST_BACKEND } from './backend';
import type { TestApp } from './test-app';

/**
 * Makes every insert of one audit action fail inside the database (a trigger), the way a full
 * disk or a lost connection would, until the returned function removes it again. No test-only
 * code in the app: the failure comes from where a real one would.
 */
export async function failAuditInserts(t: TestApp, action: string): Promise<() => Promise<void>> {
  const dataSource = t.app.get(DataSource);
  if (!/^[a-z_.]+$/.test(action)) throw new Error(`not an action code: ${action}`);
  await dataSource.query(
    TEST_BACKEND === 'mysql'
      ? `CREATE TRIGGER audit_insert_fails BEFORE INSERT ON audit_logs FOR EACH ROW BEGIN IF NEW.action = '${action}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit insert refused by the test'; END IF; END`
      : `CREATE TRIGGER audit_insert_fails BEFORE INSERT ON audit_logs WHEN NEW.action = '${action}' BEGIN SELECT RAISE(ABORT, 'audit insert refused by the test'); END`,
  );
  return async () => {
    await dataSource.query('DROP TRIGGER audit_insert_fails');
  };
}
