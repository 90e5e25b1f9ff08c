import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyContextConfig } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The success envelope's `message` (@ResponseMessage); `OK` when unset. */
    responseMessage?: string;
    /** The handler's result is sent as is, without the envelope (@RawResponse). */
    rawResponse?: boolean;
  }
}

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

/** Returned by services for list endpoints; the envelope adds `pagination`. */
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

export interface SuccessEnvelope {
  success: true;
  data: unknown;
  pagination?: Pagination;
  message: string;
}

/**
 * The envelope settings travel in the route's Fastify config, which Nest hands to Fastify at
 * boot, so the adapter reads them per request without Nest's interceptor machinery. Merged
 * rather than set: Nest's own @RouteConfig would replace any other entry of the route.
 */
function routeConfig(entries: FastifyContextConfig): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const current = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as
      FastifyContextConfig | undefined;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...current, ...entries }, handler);
  };
}

/** The `message` of the success envelope for this handler. */
export const ResponseMessage = (message: string) => routeConfig({ responseMessage: message });

/** The handler's return value is sent as is, without the envelope (health checks). */
export const RawResponse = () => routeConfig({ rawResponse: true });

/** Wraps a handler's result into `{ success: true, data, message[, pagination] }`. */
export function envelope(result: unknown, message = 'OK'): SuccessEnvelope {
  return result instanceof PaginatedResult
    ? { success: true, data: result.items, pagination: result.pagination, message }
    : { success: true, data: result ?? null, message };
}
