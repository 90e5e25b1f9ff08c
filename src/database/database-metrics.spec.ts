import { statementKind } from './database-metrics';

describe('statementKind (the label of a SQL statement)', () => {
  it.each([
    ['SELECT `u`.`id` FROM `users` `u` WHERE `u`.`email` = ?', 'select'],
    ['  insert INTO x VALUES (?)', 'insert'],
    ['UPDATE x SET y = ?', 'update'],
    ['DELETE FROM x', 'delete'],
    ['START TRANSACTION', 'transaction'],
    ['BEGIN TRANSACTION', 'transaction'],
    ['COMMIT', 'transaction'],
    ['ROLLBACK TO SAVEPOINT typeorm_1', 'transaction'],
    ['SHOW TABLES', 'other'],
    ['', 'other'],
  ])('%j is %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });
});
