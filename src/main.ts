import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from './config/app-config';
import { readProcessEnv } from './config/env';
import { createApp, embeddedModeWarning } from './bootstrap/app.factory';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(readProcessEnv());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const { app, logger } = await createApp(config);
  const warning = embeddedModeWarning(config);
  if (warning) logger.warn(warning);
  if (config.jwt.secretGenerated) {
    logger.warn(
      'JWT_SECRET is not set: using a random secret for this boot; tokens die with the process.',
    );
  }
  if (config.apiKeys.pepperGenerated) {
    logger.warn(
      'API_KEY_PEPPER is not set: using a random pepper for this boot; API keys die with the process.',
    );
  }

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const deadline = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app
      .close()
      .then(() => {
        logger.info('shutdown complete');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await app.listen({ port: config.port, host: config.host });
  logger.info(
    { port: config.port, docs: `/api/docs` },
    `API listening on ${config.host}:${config.port}`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Boot failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
