import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

/**
 * The first phase of a graceful shutdown behind a load balancer that pools keep-alive
 * connections (nginx's upstream `keepalive`). Closing an idle pooled connection races with the
 * proxy sending a request on it: the proxy retries a GET on the next server, but never a POST it
 * has already sent, so that request would fail. While draining, the listener accepts no new
 * connection, every answer says `Connection: close` (the proxy then drops that connection
 * itself), and idle connections are left for their client to close, until the window ends.
 */
export class HttpDrain {
  private draining = false;

  /** True from `start()` on: answers carry `Connection: close`. */
  get active(): boolean {
    return this.draining;
  }

  /** Resolves once every connection has closed, or after `windowMs` with some still open. */
  start(server: Server, windowMs: number): Promise<void> {
    this.draining = true;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, windowMs);
      // net.Server's close, not http.Server's: the latter also closes idle connections at once.
      // It calls back when the last connection has gone; Fastify's own close later finds the
      // server stopped, which it expects.
      NetServer.prototype.close.call(server, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
