import { performance } from 'node:perf_hooks';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import {
  type AfterQueryEvent,
  type BeforeQueryEvent,
  DataSource,
  type EntitySubscriberInterface,
  type QueryRunner,
} from 'typeorm';
import { Metrics } from '../metrics/metrics';

/** What mysql2's pool keeps and exposes no public counter for (lib/base/pool.js). */
interface Mysql2PoolState {
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
  config: { connectionLimit: number };
}

const TRANSACTION_STATEMENTS = ['start', 'begin', 'commit', 'rollback', 'savepoint', 'release'];

/** The kind of a statement, from its first word: a label from a fixed set, never the SQL. */
export function statementKind(query: string): string {
  const word = /^\s*([A-Za-z]+)/.exec(query)?.[1]?.toLowerCase() ?? '';
  if (word === 'select' || word === 'insert' || word === 'update' || word === 'delete') return word;
  return TRANSACTION_STATEMENTS.includes(word) ? 'transaction' : 'other';
}

/**
 * Times every SQL statement into `db_query_duration_seconds` through TypeORM's before/after
 * query events, on every driver and without wrapping it: TypeORM's own `executionTime` counts
 * whole milliseconds, too coarse for sub-millisecond lookups. A query runner (one connection)
 * answers its statements in the order it sent them, so each runner's start times form a queue.
 * On MySQL it also reports the pool at scrape time.
 */
@Injectable()
export class DatabaseMetrics implements EntitySubscriberInterface, OnModuleInit {
  private readonly starts = new WeakMap<QueryRunner, number[]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    if (!this.metrics.enabled) return;
    this.dataSource.subscribers.push(this);
    if (this.dataSource.options.type === 'mysql') this.reportPool();
  }

  beforeQuery(event: BeforeQueryEvent<unknown>): void {
    const queue = this.starts.get(event.queryRunner);
    if (queue) queue.push(performance.now());
    else this.starts.set(event.queryRunner, [performance.now()]);
  }

  afterQuery(event: AfterQueryEvent<unknown>): void {
    const start = this.starts.get(event.queryRunner)?.shift();
    if (start === undefined) return;
    this.metrics.dbQueryDuration.observe(
      { operation: statementKind(event.query) },
      (performance.now() - start) / 1000,
    );
  }

  private reportPool(): void {
    const pool = (): Mysql2PoolState =>
      (this.dataSource.driver as unknown as { pool: Mysql2PoolState }).pool;
    const registers = [this.metrics.registry];
    const connections: Gauge<'state'> = new Gauge({
      name: 'db_pool_connections',
      help: 'Open connections of the MySQL pool, by state (idle, in_use).',
      labelNames: ['state'] as const,
      registers,
      collect: () => {
        const { _allConnections: all, _freeConnections: free } = pool();
        connections.set({ state: 'idle' }, free.length);
        connections.set({ state: 'in_use' }, all.length - free.length);
      },
    });
    const max: Gauge = new Gauge({
      name: 'db_pool_max_connections',
      help: 'Connections the MySQL pool may open (DB_POOL_SIZE).',
      registers,
      collect: () => max.set(pool().config.connectionLimit),
    });
    const waiting: Gauge = new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Queries waiting for a free connection of the MySQL pool.',
      registers,
      collect: () => waiting.set(pool()._connectionQueue.length),
    });
  }
}
