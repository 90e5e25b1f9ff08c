import type { LoggerService } from '@nestjs/common';

/**
 * Nest's RoutesResolver announces each controller with the global prefix even where the prefix
 * excludes it: `HealthController {/api/health}` for a route served at /health. The lines that
 * follow from the RouterExplorer (`Mapped {/health, GET} route`) are exact, so only the
 * resolver's lines are dropped. Nest passes the logging context as the last parameter.
 */
export class ExactRouteLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    if (rest.at(-1) === 'RoutesResolver') return;
    this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.inner.fatal?.(message, ...rest);
  }
}
