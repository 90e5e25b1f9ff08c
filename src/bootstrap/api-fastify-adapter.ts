import type { ServerResponse } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { envelope } from '../http/envelope';

/**
 * Nest's Fastify adapter, with the success envelope put around each handler's result on its
 * way out. Nest hands every handler result to `reply()`, and nothing else: errors leave through
 * GlobalExceptionFilter, Swagger and the router's refusals through Fastify directly. A global
 * interceptor did this before; Nest runs each interceptor through rxjs and binds two async
 * resources per request for it, which cost about a tenth of the CPU of `GET /api/auth/me`.
 */
export class ApiFastifyAdapter extends FastifyAdapter {
  override reply(response: ServerResponse | FastifyReply, body: unknown, statusCode?: number) {
    if (!('raw' in response)) return super.reply(response, body, statusCode);
    const { responseMessage, rawResponse } = response.request.routeOptions.config;
    return super.reply(response, rawResponse ? body : envelope(body, responseMessage), statusCode);
  }
}
