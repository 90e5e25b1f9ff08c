import type { Logger } from 'pino';
import { type AppConfig, ConfigValidationError, loadConfig } from '../config/app-config';
import { readProcessEnv } from '../config/env';

/** The config from the environment; a bad variable prints the list of problems and exits 1. */
export function loadProcessConfig(): AppConfig {
  try {
    return loadConfig(readProcessEnv());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * SIGTERM / SIGINT close the app once (Nest runs every shutdown hook: the HTTP server drains,
 * workers finish the jobs in hand, backends and the metrics listener close) and exit 0; past SHUTDOWN_TIMEOUT, or when
 * closing fails, the process exits 1. `what.prefix` names the process in the log lines
 * (`''` for the API, `'worker '` for the worker).
 */
export function exitGracefullyOnSignals(
  app: { close(): Promise<void> },
  logger: Logger,
  config: Pick<AppConfig, 'shutdownTimeoutMs'>,
  what: { prefix: string; draining: string },
): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, `${what.prefix}shutting down: ${what.draining}`);
    const deadline = setTimeout(() => {
      logger.error(`${what.prefix}shutdown timed out; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app
      .close()
      .then(() => {
        logger.info(`${what.prefix}shutdown complete`);
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, `${what.prefix}shutdown failed`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
