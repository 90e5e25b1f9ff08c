import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { exitGracefullyOnSignals, loadProcessConfig } from './bootstrap/process-lifecycle';
import type { AppConfig } from './config/app-config';
import { createLogger, PinoNestLogger } from './logging/logger';
import { Metrics } from './metrics/metrics';

/**
 * The worker-only process (`npm run worker`, `node dist/src/worker.js`, the same image as the
 * API): the whole application without an HTTP listener, running the job workers and the outbox
 * relay whatever WORKERS says, and the metrics listener (the queue's series). It needs Redis
 * (REDIS_URL or REDIS_CLUSTER_NODES): an in-process queue would hold only its own
 * jobs. SIGTERM stops taking jobs, waits for the ones in hand (up to SHUTDOWN_TIMEOUT), closes
 * the backends and exits 0.
 */
export async function runWorker(extraImports: DynamicModule['imports'] = []): Promise<void> {
  const loaded = loadProcessConfig();
  if (!loaded.redis.connection) {
    process.stderr.write(
      'The worker process needs REDIS_URL or REDIS_CLUSTER_NODES; without one the API runs its jobs itself (WORKERS=inline).\n',
    );
    process.exit(1);
  }
  const config: AppConfig = { ...loaded, jobs: { ...loaded.jobs, runWorkers: true } };
  const logger = createLogger(config);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, logger, new Metrics(config), extraImports),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );

  exitGracefullyOnSignals(app, logger, config, {
    prefix: 'worker ',
    draining: 'finishing the jobs in hand',
  });
  logger.info('worker ready');
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    process.stderr.write(
      `Worker boot failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
