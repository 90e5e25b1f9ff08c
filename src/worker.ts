import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { ConfigValidationError, loadConfig, type AppConfig } from './config/app-config';
import { readProcessEnv } from './config/env';
import { createLogger, PinoNestLogger } from './logging/logger';

/**
 * The worker-only process (`npm run worker`, `node dist/src/worker.js`, the same image as the
 * API): the whole application without an HTTP listener, running the job workers and the outbox
 * relay whatever WORKERS says. It needs REDIS_URL: an in-process queue would hold only its own
 * jobs. SIGTERM stops taking jobs, waits for the ones in hand (up to SHUTDOWN_TIMEOUT), closes
 * the backends and exits 0.
 */
export async function runWorker(extraImports: DynamicModule['imports'] = []): Promise<void> {
  let loaded: AppConfig;
  try {
    loaded = loadConfig(readProcessEnv());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (!loaded.redis.url) {
    process.stderr.write(
      'The worker process needs REDIS_URL; without it the API runs its jobs itself (WORKERS=inline).\n',
    );
    process.exit(1);
  }
  const config: AppConfig = { ...loaded, jobs: { ...loaded.jobs, runWorkers: true } };
  const logger = createLogger(config);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, logger, extraImports),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'worker shutting down: finishing the jobs in hand');
    const deadline = setTimeout(() => {
      logger.error('worker shutdown timed out; exiting (unfinished jobs run again elsewhere)');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app
      .close()
      .then(() => {
        logger.info('worker shutdown complete');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'worker shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
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
