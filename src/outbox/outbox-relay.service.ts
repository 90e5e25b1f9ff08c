import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TransactionRunner } from '../database/transaction-runner.service';
import { JOB_QUEUE, type JobQueue } from '../jobs/job-queue';
import { LOGGER } from '../logging/logger';
import { OutboxEvent } from './outbox-event.entity';

/** Events claimed per transaction: short transactions, short row locks. */
const BATCH_SIZE = 50;
/** Longest wait before an event that could not be queued is tried again. */
const MAX_RETRY_DELAY_MS = 60_000;
/**
 * With a queue that is not durable (in-process), how long a queued event waits before it is
 * queued again, should its job not have settled by then: after a restart that is what brings
 * the job back; while the process lives the queue's dedupe by key makes it a no-op.
 */
const UNSETTLED_RECHECK_MS = 60_000;
const KEY_PREFIX = 'outbox:';

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

/**
 * Moves committed outbox events to the job queue, as job `<type>` with idempotency key
 * `outbox:<id>`, and marks them dispatched. It polls every OUTBOX_POLL_INTERVAL and is woken
 * right after a transaction of this process that recorded events commits.
 *
 * Safe with any number of instances: on MySQL each batch is claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED`, so two relays never hold the same row, and the row is
 * marked in the same short transaction. SQLite serves one process, whose transactions already
 * run one at a time. Should a relay die between enqueueing and committing the mark, the next
 * one enqueues again and the queue's dedupe by key keeps it one job.
 *
 * When the queue refuses (Redis down), the event stays, its attempts and error are counted,
 * and it is tried again after a doubling delay.
 *
 * The in-process queue of the embedded default holds its jobs in memory, so there an event is
 * marked dispatched only once its job has settled (completed, or failed for good): a job cut
 * short by a restart is queued again from its event, and committed work is never lost.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.queue.durable) {
      this.queue.onSettled?.((key) => this.settled(key));
      // The queue starts empty: every event not marked settled lost its job with the last
      // process, so all of them are due now. (An in-process queue serves one instance.)
      await this.transactions.run((manager) =>
        manager.update(OutboxEvent, { dispatchedAt: IsNull() }, { nextAttemptAt: new Date() }),
      );
    }
    this.timer = setInterval(() => this.wake(), this.config.jobs.outboxPollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining;
  }

  /** Runs the relay now, or once more right after the run in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    this.draining = this.drain()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error }, 'outbox relay failed'))
      .finally(() => {
        this.draining = null;
        if (this.wakeAgain) {
          this.wakeAgain = false;
          this.wake();
        }
      });
  }

  /** Dispatches every due event, batch after batch; the events of this run, once done. */
  async drain(): Promise<number> {
    let dispatched = 0;
    for (;;) {
      const batch = await this.transactions.run((manager) => this.dispatchBatch(manager));
      dispatched += batch.dispatched;
      if (batch.stalled || batch.claimed < BATCH_SIZE || this.stopped) return dispatched;
    }
  }

  /** A job of the in-process queue settled: its event is done with. */
  private settled(idempotencyKey: string): void {
    if (!idempotencyKey.startsWith(KEY_PREFIX)) return;
    const id = idempotencyKey.slice(KEY_PREFIX.length);
    this.transactions
      .run((manager) => manager.update(OutboxEvent, { id }, { dispatchedAt: new Date() }))
      .catch((error: unknown) =>
        // Harmless: the event is queued again later and the queue's dedupe keeps it one job.
        this.logger.error({ err: error, outboxEventId: id }, 'outbox event not marked settled'),
      );
  }

  private async dispatchBatch(
    manager: EntityManager,
  ): Promise<{ claimed: number; dispatched: number; stalled: boolean }> {
    const query = manager
      .getRepository(OutboxEvent)
      .createQueryBuilder('event')
      .where('event.dispatchedAt IS NULL')
      .andWhere('event.nextAttemptAt <= :now', { now: new Date() })
      .orderBy('event.nextAttemptAt', 'ASC')
      .addOrderBy('event.id', 'ASC')
      .limit(BATCH_SIZE);
    if (this.dataSource.options.type === 'mysql')
      query.setLock('pessimistic_write').setOnLocked('skip_locked');
    const events = await query.getMany();
    let dispatched = 0;
    for (const event of events) {
      const attempts = event.attempts + 1;
      try {
        await this.queue.enqueue({
          name: event.type,
          organizationId: event.organizationId,
          payload: event.payload,
          idempotencyKey: `${KEY_PREFIX}${event.id}`,
        });
      } catch (error) {
        const delay = Math.min(
          this.config.jobs.outboxPollIntervalMs * 2 ** (attempts - 1),
          MAX_RETRY_DELAY_MS,
        );
        await manager.update(
          OutboxEvent,
          { id: event.id },
          { attempts, lastError: messageOf(error), nextAttemptAt: new Date(Date.now() + delay) },
        );
        this.logger.warn(
          { err: error, outboxEventId: event.id, type: event.type, attempts },
          'outbox event not queued; will retry',
        );
        // The queue is likely down for the rest of the batch too: leave them for the next run.
        return { claimed: events.length, dispatched, stalled: true };
      }
      await manager.update(
        OutboxEvent,
        { id: event.id },
        this.queue.durable
          ? { attempts, dispatchedAt: new Date(), lastError: null }
          : {
              attempts,
              lastError: null,
              nextAttemptAt: new Date(Date.now() + UNSETTLED_RECHECK_MS),
            },
      );
      dispatched += 1;
    }
    return { claimed: events.length, dispatched, stalled: false };
  }
}
