import { Global, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseMetrics } from './database-metrics';
import { buildDataSourceOptions } from './data-source-options';
import { applyPendingMigrations } from './migration-runner';
import { TransactionRunner } from './transaction-runner.service';

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<DataSource> => {
        const logger = new Logger('Database');
        const dataSource = new DataSource(buildDataSourceOptions(config.database));
        await dataSource.initialize();
        if (config.database.runMigrations) {
          const applied = await applyPendingMigrations(dataSource);
          if (applied.length > 0)
            logger.log(`Applied ${applied.length} migration(s): ${applied.join(', ')}`);
        }
        return dataSource;
      },
    },
    {
      provide: DatabaseLifecycle,
      inject: [DataSource],
      useFactory: (ds: DataSource) => new DatabaseLifecycle(ds),
    },
    TransactionRunner,
    DatabaseMetrics,
  ],
  exports: [DataSource, TransactionRunner],
})
export class DatabaseModule {}
