import { type DynamicModule, HttpStatus } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/app-config';
import {
  type ContextStore,
  MAX_USER_AGENT_LENGTH,
  RequestContext,
} from '../context/request-context';
import { ErrorCode } from '../http/error-codes';
import { errorBody } from '../http/exception.filter';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { ApiFastifyAdapter } from './api-fastify-adapter';
import { ExactRouteLogger } from './exact-route-logger';
import { HttpDrain } from './http-drain';
import { installJsonParser } from './json-parser';
import { requestIdFrom } from './request-id';
import { API_SECURITY_HEADERS, documentSecurityHeaders, isDocumentPath } from './security-headers';
import { setupSwagger } from './swagger';

export interface CreateAppOptions {
  /** Where log lines go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
  /** Build the module graph without connecting to any backend (OpenAPI export). */
  preview?: boolean;
  /** Extra modules mounted into the app (tests add probe routes this way). */
  extraImports?: DynamicModule['imports'];
}

export interface CreatedApp {
  app: NestFastifyApplication;
  logger: Logger;
  /** The first shutdown phase (main.ts starts it on SIGTERM, before `app.close()`). */
  drain: HttpDrain;
}

/** Longest path parameter the router accepts (Fastify's default, stated so the message can name it). */
const MAX_PARAM_LENGTH = 100;

const ROUTER_ERRORS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
};

/** Builds the fully configured application without listening, for main.ts, tests and scripts alike. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<CreatedApp> {
  const logger = createLogger(config, options.logDestination);
  const metrics = new Metrics(config);
  const measured = metrics.enabled;
  const documentHeaders = documentSecurityHeaders();
  const drain = new HttpDrain();
  const adapter = new ApiFastifyAdapter({
    logger: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) =>
      requestIdFrom(request.headers['x-request-id']),
    // Past the drain window, a request on a connection still open is served (and the connection
    // closed after it), not refused: behind a proxy that request may be a POST it cannot retry.
    return503OnClosing: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router refuses some URLs before any hook or Nest runs; they still get the envelope.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .status(HttpStatus.BAD_REQUEST)
        .headers({ ...API_SECURITY_HEADERS, 'x-request-id': request.id })
        .send(
          errorBody(
            HttpStatus.BAD_REQUEST,
            ErrorCode.BAD_REQUEST,
            ROUTER_ERRORS[error.code] ?? 'The URL cannot be routed',
            request.id,
          ),
        );
    },
  });
  const fastify = adapter.getInstance();
  installJsonParser(fastify);

  // Swagger UI is a page and gets helmet's whole set; every other response is JSON.
  const isDocument = (url: string) => config.docsEnabled && isDocumentPath(url);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply
      .headers(isDocument(request.url) ? documentHeaders : API_SECURITY_HEADERS)
      .header('x-request-id', request.id);
    if (measured) metrics.requestStarted(reply.raw);
    if (drain.active) {
      void reply.header('connection', 'close');
      if (drain.refuses(request.method)) {
        void reply
          .status(HttpStatus.SERVICE_UNAVAILABLE)
          .header('retry-after', '1')
          .send(
            errorBody(
              HttpStatus.SERVICE_UNAVAILABLE,
              ErrorCode.SERVICE_UNAVAILABLE,
              'This instance is shutting down; retry the request',
              request.id,
            ),
          );
        return;
      }
    }
    done();
  });
  // Opened by the last hook before Nest's guards and handlers, as nothing earlier reads it: body
  // parsing resumes on the socket's async context, so a context opened sooner would be lost there.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const store: ContextStore = {
      requestId: request.id,
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, MAX_USER_AGENT_LENGTH),
    };
    RequestContext.run(store, done);
  });
  // The one hook after each response: metrics, then the access line.
  fastify.addHook('onResponse', (request, reply, done) => {
    if (measured) {
      metrics.requestCompleted(
        request.method,
        request.routeOptions.url,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      if (reply.statusCode === 429) metrics.rateLimited(reply.getHeader('ratelimit-policy'));
    }
    // Skips building the log object at all when access lines are filtered out (LOG_LEVEL=warn).
    if (!logger.isLevelEnabled('info')) {
      done();
      return;
    }
    logger.info(
      {
        requestId: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
    done();
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger, metrics, options.extraImports),
    adapter,
    {
      logger: new ExactRouteLogger(new PinoNestLogger(logger)),
      preview: options.preview,
      abortOnError: false,
      // JSON only (installJsonParser): form posts get 415, which also closes a classic CSRF vector.
      bodyParser: false,
    },
  );

  app.setGlobalPrefix('api', { exclude: ['health', 'health/live', 'health/ready'] });
  // Without CORS_ORIGINS no origin is allowed: no CORS handling at all, rather than a hook on
  // every request that refuses every origin.
  if (config.corsOrigins.length > 0)
    app.enableCors({
      // Only listed origins get CORS headers; others get none, so browsers block them.
      origin: (origin, callback) =>
        callback(null, origin !== undefined && config.corsOrigins.includes(origin)),
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'Content-Type',
        'Authorization',
        'X-Request-Id',
        'X-Tenant-ID',
        'X-CSRF-Protection',
      ],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
      maxAge: 600,
    });
  if (config.docsEnabled) await setupSwagger(app);
  return { app, logger, drain };
}

/** One warning at boot when any embedded backend is in use. */
export function embeddedModeWarning(config: AppConfig): string | null {
  const parts: string[] = [];
  if (config.database.type === 'sqlite') parts.push(`SQLite file ${config.database.path}`);
  if (!config.redis.connection) parts.push('in-process key-value store');
  if (parts.length === 0) return null;
  return `Embedded mode (${parts.join(' + ')}): sessions, rate limits and data live on this machine, so this serves a single instance only. Set DATABASE_URL and REDIS_URL to scale out.`;
}
