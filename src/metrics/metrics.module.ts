import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LOGGER } from '../logging/logger';
import { Metrics } from './metrics';

/**
 * The second listener, on METRICS_HOST:METRICS_PORT: GET /metrics and nothing else, so the
 * metrics never share the public port. Opened once the app has booted (the API and the worker
 * process alike) and closed when it shuts down.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.metrics.enabled) return;
    const { host, port } = this.config.metrics;
    const server = createServer((request, response) => this.serve(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.info({ host, port }, `metrics listening on ${host}:${port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A scraper keeps its connection open between scrapes; close would wait for it.
      server.closeIdleConnections();
    });
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url?.split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    this.metrics.registry.metrics().then(
      (body) => {
        response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body);
      },
      (error: unknown) => {
        this.logger.error({ err: error }, 'metrics collection failed');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Error\n');
      },
    );
  }
}

/** Provides the process's one `Metrics` (built before Nest, for the Fastify hooks) and its listener. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(metrics: Metrics): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: Metrics, useValue: metrics }, MetricsServer],
      exports: [Metrics],
    };
  }
}
