import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics } from '../metrics/metrics';
import { KV_STORE, type KeyValueStore } from './kv-store';
import { MeasuredKeyValueStore } from './measured-kv-store';
import { MemoryKeyValueStore } from './memory-kv-store';
import { RedisKeyValueStore } from './redis-kv-store';

@Injectable()
class KvLifecycle implements OnApplicationShutdown {
  constructor(@Inject(KV_STORE) private readonly store: KeyValueStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

async function connectStore(config: AppConfig): Promise<KeyValueStore> {
  if (!config.redis.connection) return new MemoryKeyValueStore();
  const store = new RedisKeyValueStore({
    connection: config.redis.connection,
    keyPrefix: config.redis.keyPrefix,
  });
  await store.connect();
  return store;
}

@Global()
@Module({
  providers: [
    {
      provide: KV_STORE,
      inject: [APP_CONFIG, Metrics],
      useFactory: async (config: AppConfig, metrics: Metrics): Promise<KeyValueStore> => {
        const store = await connectStore(config);
        return metrics.enabled ? new MeasuredKeyValueStore(store, metrics.kvDuration) : store;
      },
    },
    KvLifecycle,
  ],
  exports: [KV_STORE],
})
export class KvModule {}
