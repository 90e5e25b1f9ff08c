import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import { PaginatedResult, RAW_RESPONSE, RESPONSE_MESSAGE } from './envelope';

/** Wraps every handler result into `{ success: true, data, message[, pagination] }`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, targets)) return next.handle();
    const message = this.reflector.getAllAndOverride<string>(RESPONSE_MESSAGE, targets) ?? 'OK';
    return next
      .handle()
      .pipe(
        map((result: unknown) =>
          result instanceof PaginatedResult
            ? { success: true, data: result.items, pagination: result.pagination, message }
            : { success: true, data: result ?? null, message },
        ),
      );
  }
}
