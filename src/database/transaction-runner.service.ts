import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Runs work in one database transaction. SQLite has a single connection, on which two
 * interleaved transactions would collide, so there they queue one after another; MySQL runs
 * them concurrently on the pool.
 */
@Injectable()
export class TransactionRunner {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dataSource.options.type === 'mysql') return this.dataSource.transaction(work);
    const next = this.queue.then(() => this.dataSource.transaction(work));
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** True when a write failed on a unique index (MySQL/MariaDB or SQLite). */
export function isUniqueViolation(error: unknown): boolean {
  const source = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = source.driverError?.code ?? source.code;
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed/.test(source.message ?? '')
  );
}

/** True when MySQL aborted a transaction to break a deadlock or lock wait: safe to report as a conflict or retry. */
export function isLockConflict(error: unknown): boolean {
  const source = error as { code?: string; driverError?: { code?: string } };
  const code = source.driverError?.code ?? source.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}
