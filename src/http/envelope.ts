import { SetMetadata } from '@nestjs/common';

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

/** Returned by services for list endpoints; the envelope interceptor adds `pagination`. */
export class PaginatedResult<T> {
  constructor(
    readonly items: T[],
    readonly page: number,
    readonly limit: number,
    readonly total: number,
  ) {}

  get pagination(): Pagination {
    return {
      page: this.page,
      limit: this.limit,
      total: this.total,
      totalPages: Math.ceil(this.total / this.limit),
    };
  }
}

export const RESPONSE_MESSAGE = 'response:message';
export const RAW_RESPONSE = 'response:raw';

/** The `message` of the success envelope for this handler. */
export const ResponseMessage = (message: string) => SetMetadata(RESPONSE_MESSAGE, message);

/** The handler's return value is sent as is, without the envelope (health checks). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);
