import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino, { type Logger } from 'pino';
import { type AppConfig, ConfigValidationError, type DatabaseConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { readProcessEnv } from '../config/env';
import { SqliteDriverMissingError } from '../database/data-source-options';
import { DatabaseModule } from '../database/database.module';
import { MigrationLockTimeoutError, MigrationRunError } from '../database/migration-runner';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { LoggingModule } from '../logging/logging.module';
import { Metrics } from '../metrics/metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { AuditModule } from '../modules/audit/audit.module';
import { PlatformModule } from '../modules/platform/platform.module';
import { SecurityModule } from '../security/security.module';
import { SystemScopeModule } from '../tenancy/system-scope.module';

/**
 * What the command-line entry points (migration, seed, superuser-create) share.
 * Each exports `main(argv, env, io)` returning its exit code, so tests call it in-process;
 * the compiled file run by node calls it through runAsScript.
 */

export type Env = Record<string, string | undefined>;

/** Where a command writes: stdout for results, stderr for problems. Tests capture both. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export type CliMain = (argv: string[], env: Env, io?: CliIo) => Promise<number>;

/** A failure the user can act on: its message is printed as is, and the command exits 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * App log lines go to stderr as JSON, so stdout holds only the command's own output. Quiet
 * (warnings and errors) unless LOG_LEVEL is set explicitly.
 */
export function createCliLogger(config: AppConfig, env: Env): Logger {
  const level = env.LOG_LEVEL ? config.logLevel : 'warn';
  return createLogger({ ...config, logLevel: level }, pino.destination({ fd: 2, sync: true }));
}

@Module({})
class CliRootModule {}

/**
 * A Nest application context (no HTTP server) with the infrastructure every command needs:
 * config, logging, database, audit, platform superusers, the password hasher and SystemScope
 * (how a command acts as a tenant), plus `imports`. No key-value store: no command needs
 * Redis. Closed again whatever `work` does.
 */
export async function withApplicationContext<T>(
  config: AppConfig,
  logger: Logger,
  imports: NonNullable<DynamicModule['imports']>,
  work: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const root: DynamicModule = {
    module: CliRootModule,
    imports: [
      ConfigModule.forRoot(config),
      LoggingModule.forRoot(logger),
      // A command serves no metrics and measures nothing.
      MetricsModule.forRoot(new Metrics({ metrics: { ...config.metrics, enabled: false } })),
      DatabaseModule,
      AuditModule,
      PlatformModule,
      SecurityModule,
      SystemScopeModule,
      ...imports,
    ],
  };
  const app = await NestFactory.createApplicationContext(root, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // mysql2 reports a refused connection on every address it tried this way, with an empty message.
    return [...new Set(error.errors.map(messageOf))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || error.name;
    return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(error);
}

/** Where a database config points, for CLI output: never the password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.type === 'sqlite') return `SQLite ${database.path}`;
  const url = new URL(database.url);
  return `MySQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}

/** One readable paragraph for stderr: config problems one per line, otherwise the message without a stack. */
export function describeError(error: unknown): string {
  if (
    error instanceof ConfigValidationError ||
    error instanceof CliError ||
    error instanceof MigrationLockTimeoutError ||
    error instanceof SqliteDriverMissingError
  )
    return error.message;
  if (error instanceof MigrationRunError) {
    const committed =
      error.applied.length > 0 ? `\nApplied before the failure: ${error.applied.join(', ')}` : '';
    return `Migration failed: ${messageOf(error.cause)}${committed}`;
  }
  return `Error: ${messageOf(error)}`;
}

/** node:util parseArgs (strict: unknown options are errors), with the usage text in the error. */
export function parseCliArgs<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new CliError(`${messageOf(error)}\n\n${usage}`);
  }
}

/** Runs a command body: 0 when it completes, 1 after printing why it did not. */
export async function runCommand(io: CliIo, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (error) {
    io.err(describeError(error));
    return 1;
  }
}

/** For the bottom of a CLI file: `if (require.main === module) runAsScript(main);` */
export function runAsScript(main: CliMain): void {
  main(process.argv.slice(2), readProcessEnv(), processIo).then(
    // Exit explicitly: a driver handle left open must not keep a finished command alive.
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${describeError(error)}\n`);
      process.exit(1);
    },
  );
}
