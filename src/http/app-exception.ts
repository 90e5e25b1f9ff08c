import { HttpException } from '@nestjs/common';
import type { ErrorCode } from './error-codes';

export interface FieldError {
  field: string;
  messages: string[];
}

/** An HTTP error with a stable code; the global filter renders it into the error envelope. */
export class AppException extends HttpException {
  constructor(
    status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message, status);
  }
}
