import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Inject,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { JobQueueUnavailableError } from '../jobs/job';
import { KvUnavailableError } from '../kv/kv-store';
import { LOGGER } from '../logging/logger';
import { AppException, type FieldError } from './app-exception';
import { DEFAULT_CODE_BY_STATUS, ErrorCode } from './error-codes';

export interface ErrorBody {
  success: false;
  error: string;
  message: string;
  statusCode: number;
  requestId: string;
  details?: FieldError[];
}

/** The error envelope; also used for the few errors answered before Nest sees the request. */
export function errorBody(
  status: number,
  code: string,
  message: string,
  requestId: string,
  details?: FieldError[],
): ErrorBody {
  return {
    success: false,
    error: code,
    message,
    statusCode: status,
    requestId,
    ...(details ? { details } : {}),
  };
}

interface Rendered {
  status: number;
  code: string;
  message: string;
  details?: FieldError[];
  headers?: Record<string, string>;
}

/** A 503 for a backing service that is down suggests retrying after this many seconds. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Driver error codes that mean the database cannot be reached, not that the query is wrong. */
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'SQLITE_BUSY',
]);

function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code =
    (error as { code?: unknown }).code ??
    (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof code === 'string' && DATABASE_DOWN_CODES.has(code);
}

/** The one global filter: every error leaves the server in the same envelope, internals never do. */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const rendered = this.render(exception, request);

    if (rendered.status >= 500) {
      const log =
        rendered.status === 503
          ? this.logger.warn.bind(this.logger)
          : this.logger.error.bind(this.logger);
      log(
        { requestId: request.id, err: exception, method: request.method, path: request.url },
        rendered.message,
      );
    }
    if (reply.sent) return;

    const body = errorBody(
      rendered.status,
      rendered.code,
      rendered.message,
      request.id,
      rendered.details,
    );
    void reply
      .status(rendered.status)
      .headers({ ...rendered.headers, 'x-request-id': request.id })
      .send(body);
  }

  private render(exception: unknown, request: FastifyRequest): Rendered {
    if (exception instanceof AppException) {
      return {
        status: exception.getStatus(),
        code: exception.code,
        message: exception.message,
        details: exception.details,
        headers: exception.headers,
      };
    }
    // Fastify's own errors (body limit, media type) reach here already mapped to HttpException by Nest.
    if (exception instanceof HttpException) {
      const status: number = exception.getStatus();
      // Nest's router answers an unknown route with NotFoundException('Cannot GET /x').
      if (status === 404 && exception.message.startsWith('Cannot ')) {
        return {
          status,
          code: ErrorCode.NOT_FOUND,
          message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
        };
      }
      return {
        status,
        code:
          DEFAULT_CODE_BY_STATUS[status] ??
          (status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.BAD_REQUEST),
        message: status >= 500 ? 'Internal server error' : exception.message,
      };
    }
    if (
      exception instanceof KvUnavailableError ||
      exception instanceof JobQueueUnavailableError ||
      isDatabaseUnavailable(exception)
    ) {
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: ErrorCode.SERVICE_UNAVAILABLE,
        message: 'A backing service is unavailable; try again shortly',
        headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      code: ErrorCode.INTERNAL_ERROR,
      message: 'Internal server error',
    };
  }
}
