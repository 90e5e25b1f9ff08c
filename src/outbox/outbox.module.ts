import { Global, Module } from '@nestjs/common';
import { OutboxCommitSubscriber } from './outbox-commit.subscriber';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxService } from './outbox.service';

/** OutboxService for features; the relay runs in every process (API and worker). */
@Global()
@Module({
  providers: [OutboxService, OutboxRelay, OutboxCommitSubscriber],
  exports: [OutboxService, OutboxRelay],
})
export class OutboxModule {}
