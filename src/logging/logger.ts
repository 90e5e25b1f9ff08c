import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { RequestContext } from '../context/request-context';

const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'password_hash',
  'token',
  'accessToken',
  'refreshToken',
  'authorization',
  'cookie',
];

/**
 * Paths pino replaces with "[redacted]": the secret keys at the top level and up to three
 * levels down (pino's wildcards match one level each), plus the auth headers.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
];

export function createLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Every line written in a request carries its id; inside SystemScope, also its reason.
    mixin() {
      const store = RequestContext.current();
      if (!store) return {};
      return store.systemScope
        ? { requestId: store.requestId, systemScope: store.systemScope.reason }
        : { requestId: store.requestId };
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (config.env === 'development') {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(options);
}

type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

interface NestLogCall {
  messages: unknown[];
  context?: string;
  stack?: string;
}

/** ConsoleLogger's rule: with more than one argument, a trailing string is the context. */
function withContext(args: unknown[]): NestLogCall {
  const last = args.at(-1);
  if (args.length <= 1 || typeof last !== 'string') return { messages: args };
  return { messages: args.slice(0, -1), context: last };
}

const STACK_FORMAT = /^(.)+\n\s+at .+:\d+:\d+/;

/** ConsoleLogger's rule for error(): `(message, stack)`, `(message, context)` or `(message, ..., stack, context)`. */
function withStack(args: unknown[]): NestLogCall {
  const [, second] = args;
  if (args.length === 2 && typeof second === 'string' && STACK_FORMAT.test(second))
    return { messages: args.slice(0, 1), stack: second };
  const call = withContext(args);
  const last = call.messages.at(-1);
  if (args.length === 2 || call.messages.length <= 1) return call;
  if (typeof last !== 'string' && last !== undefined) return call;
  return { ...call, messages: call.messages.slice(0, -1), stack: last };
}

/**
 * Routes Nest's own log calls into pino so the whole process writes one format. Nest calls it
 * as it calls ConsoleLogger (`log(message, ...more, context?)`) and, like ConsoleLogger, each
 * message is a line of its own: a string is the line's msg, an Error goes under `err` (message,
 * type and stack), any other object is merged into the line, where its fields stay searchable
 * and the secret ones are redacted.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', withContext([message, ...params]));
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', withStack([message, ...params]));
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', withContext([message, ...params]));
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', withContext([message, ...params]));
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', withContext([message, ...params]));
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', withStack([message, ...params]));
  }

  private write(level: PinoLevel, { messages, context, stack }: NestLogCall): void {
    const fields = { ...(context === undefined ? {} : { context }), ...(stack && { stack }) };
    for (const message of messages) {
      if (message instanceof Error) {
        this.logger[level]({ ...fields, err: message }, message.message);
      } else if (typeof message === 'object' && message !== null) {
        this.logger[level]({ ...message, ...fields });
      } else {
        this.logger[level](fields, String(message));
      }
    }
  }
}

export const LOGGER = Symbol('LOGGER');
