import 'reflect-metadata';
import { createApp, embeddedModeWarning } from './bootstrap/app.factory';
import { exitGracefullyOnSignals, loadProcessConfig } from './bootstrap/process-lifecycle';

async function bootstrap(): Promise<void> {
  const config = loadProcessConfig();

  const { app, logger, drain } = await createApp(config);
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
  if (config.mfa.keySource !== 'env') {
    logger.warn(
      config.mfa.keySource === 'jwt-secret'
        ? 'MFA_ENCRYPTION_KEY is not set: TOTP secrets are sealed with a key derived from JWT_SECRET (development only).'
        : 'MFA_ENCRYPTION_KEY is not set: TOTP secrets are sealed with a random key for this boot; enrolments stop working at restart.',
    );
  }

  exitGracefullyOnSignals(app, logger, config, {
    prefix: '',
    draining: 'finishing in-flight requests',
    // Half of SHUTDOWN_TIMEOUT for clients to drop their idle keep-alive connections (nginx's
    // upstream keepalive_timeout is below it); the other half for the close itself.
    drain: () => drain.start(app.getHttpServer(), config.shutdownTimeoutMs / 2),
  });

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
