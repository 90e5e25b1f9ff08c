import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  DataSource,
  type EntitySubscriberInterface,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';
import { OutboxRelay } from './outbox-relay.service';
import { OUTBOX_RECORDED } from './outbox.service';

/**
 * Long enough for the request that committed to have answered first: with workers in the API
 * process, a job started at once would share the request's event loop, and what the job does
 * (whether a reset mail goes out at all) would show in the request's timing.
 */
const WAKE_DELAY_MS = 50;

/**
 * Wakes the relay shortly after a transaction that recorded outbox events commits, so their
 * jobs do not wait for the next poll. Registered on the data source at boot.
 */
@Injectable()
export class OutboxCommitSubscriber implements EntitySubscriberInterface, OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(this);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!this.take(event)) return;
    // After the commit has returned to its caller (the relay's own transaction must not nest)
    // and its request has answered.
    setTimeout(() => this.relay.wake(), WAKE_DELAY_MS).unref();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.take(event);
  }

  /** Whether the transaction recorded events; clears the mark (SQLite reuses its one runner). */
  private take(event: TransactionCommitEvent | TransactionRollbackEvent): boolean {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    if (!data?.[OUTBOX_RECORDED]) return false;
    delete data[OUTBOX_RECORDED];
    return true;
  }
}
