import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../database/transaction-runner.service';
import { MAILER, type Mailer, type MailMessage } from './mailer';
import { MailDeliveryRecord } from './mail-delivery.entity';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * Sends a message at most once per idempotency key, for jobs that are delivered at least once.
 *
 * The key is recorded after the transport accepted the message, never before: recording first
 * would lose the mail for good when the process dies before the send. What remains is a short
 * window the other way: a crash after the SMTP server accepted the message and before the row
 * is written sends it again on the retry. Two runs of the same key at the same moment could
 * both send, which the queue rules out by running one job once at a time.
 */
@Injectable()
export class MailDelivery {
  constructor(
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Whether a message went out under this key. A job that makes a token for its mail asks
   * first, so a retry after the send issues no token that no mail carries.
   */
  sent(idempotencyKey: string): Promise<boolean> {
    return this.dataSource.getRepository(MailDeliveryRecord).existsBy({ idempotencyKey });
  }

  async deliver(
    idempotencyKey: string,
    organizationId: string,
    message: MailMessage,
  ): Promise<'sent' | 'already-sent'> {
    if (!idempotencyKey || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)
      throw new Error(
        `A mail delivery needs an idempotency key of 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      );
    if (!organizationId) throw new Error('A mail delivery needs an organization id');
    if (await this.sent(idempotencyKey)) return 'already-sent';
    const deliveries = this.dataSource.getRepository(MailDeliveryRecord);
    // Throws when the transport refuses or is down: the job fails and is retried.
    const { messageId } = await this.mailer.send(message);
    try {
      await deliveries.insert({
        id: randomUUID(),
        organizationId,
        idempotencyKey,
        messageId,
        sentAt: new Date(),
      });
    } catch (error) {
      // A concurrent run of the same key recorded it first: this one has sent a second copy.
      if (!isUniqueViolation(error)) throw error;
    }
    return 'sent';
  }
}
