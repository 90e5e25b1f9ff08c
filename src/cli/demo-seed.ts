import type { Logger } from 'pino';
import { withApplicationContext } from './cli-support';
import type { AppConfig } from '../config/app-config';
import { applyPendingMigrations, withDataSource } from '../database/migration-runner';
import {
  DemoSeeder,
  type SeedOptions,
  type SeedSummary,
} from '../modules/demo/demo-seeder.service';
import { DemoModule } from '../modules/demo/demo.module';

export interface DemoSeedResult {
  /** Migrations applied first because they were pending. */
  migrationsApplied: string[];
  summary: SeedSummary;
}

/**
 * Brings the schema up to date, then loads the demo data (or `options.organizations`)
 * idempotently inside a Nest application context built from `config`. Used by
 * `npm run seed`, tests and the benchmark.
 */
export async function runDemoSeed(
  config: AppConfig,
  logger: Logger,
  options: SeedOptions = {},
): Promise<DemoSeedResult> {
  const report = options.report ?? (() => undefined);
  const migrationsApplied = await withDataSource(config.database, applyPendingMigrations);
  for (const name of migrationsApplied) report(`Applied migration ${name}`);
  // Already migrated above: the context must not do it again.
  const contextConfig: AppConfig = {
    ...config,
    database: { ...config.database, runMigrations: false },
  };
  const summary = await withApplicationContext(contextConfig, logger, [DemoModule], (app) =>
    app.get(DemoSeeder).seed(options),
  );
  return { migrationsApplied, summary };
}
