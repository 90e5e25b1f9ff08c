import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { KV_STORE, type KeyValueStore } from './kv-store';
import { MemoryKeyValueStore } from './memory-kv-store';
import { RedisKeyValueStore } from './redis-kv-store';

@Injectable()
class KvLifecycle implements OnApplicationShutdown {
  constructor(@Inject(KV_STORE) private readonly store: KeyValueStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: KV_STORE,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<KeyValueStore> => {
        if (!config.redis.connection) return new MemoryKeyValueStore();
        const store = new RedisKeyValueStore({
          connection: config.redis.connection,
          keyPrefix: config.redis.keyPrefix,
        });
        await store.connect();
        return store;
      },
    },
    KvLifecycle,
  ],
  exports: [KV_STORE],
})
export class KvModule {}
