import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { JobPayload } from '../jobs/job';
import { OutboxEvent } from './outbox-event.entity';

export interface OutboxEventInput {
  /** The job name the event becomes. */
  type: string;
  organizationId: string;
  /** JSON, never a raw secret: it is stored in the database and in Redis. */
  payload: JobPayload;
}

/** Marks a transaction that recorded events, so the relay is woken once it commits. */
export const OUTBOX_RECORDED = 'outbox:recorded';

/**
 * Records events in the caller's transaction: the event exists exactly when the change does.
 * A rolled-back change leaves no event; a committed one reaches the queue through OutboxRelay,
 * however long Redis is away.
 */
@Injectable()
export class OutboxService {
  async record(manager: EntityManager, event: OutboxEventInput): Promise<void> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive)
      throw new Error('OutboxService.record needs the manager of an open transaction');
    if (!event.type.trim()) throw new Error('An outbox event needs a type');
    if (!event.organizationId.trim())
      throw new Error(`Outbox event ${event.type} has no organization`);
    await manager.getRepository(OutboxEvent).save(
      Object.assign(new OutboxEvent(), {
        type: event.type,
        organizationId: event.organizationId,
        payload: event.payload,
      }),
    );
    runner.data = { ...runner.data, [OUTBOX_RECORDED]: true };
  }
}
