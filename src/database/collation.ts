/**
 * The MySQL/MariaDB collation of columns that must compare byte for byte, as SQLite compares
 * every column. Only the MySQL driver uses it: SQLite tables come from migrations, not entities.
 */
export const BINARY_COLLATION = 'utf8mb4_bin';
