import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

/**
 * Methods a proxy sends to another server when this one answers 503: nginx retries all but
 * POST, PATCH and LOCK (`proxy_next_upstream http_503`), and counts the 503 as a failure.
 */
const RETRIED_ELSEWHERE = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** How often the drain checks whether the last connection has gone. */
const POLL_MS = 50;

/**
 * The first phase of a graceful shutdown behind a load balancer that pools keep-alive
 * connections (nginx's upstream `keepalive`). The proxy retries a failed GET on another
 * server but never a POST it has already sent, so two ways of stopping lose POSTs: closing a
 * pooled connection under a request, and closing the listener, which resets the connections
 * still waiting in its accept queue.
 *
 * So while draining the listener stays open and every answer says `Connection: close` (the
 * proxy then drops that connection itself). A request the proxy can retry is refused with 503:
 * the proxy retries it elsewhere and takes this instance out of rotation. Any other request is
 * served. Idle connections are left for their client to close; once none is left, the listener
 * closes and the drain ends, or when `windowMs` has passed.
 */
export class HttpDrain {
  private draining = false;

  /** True from `start()` on: answers carry `Connection: close`. */
  get active(): boolean {
    return this.draining;
  }

  /** Whether to answer this request 503 (draining, and a proxy would retry it elsewhere). */
  refuses(method: string): boolean {
    return this.draining && RETRIED_ELSEWHERE.has(method);
  }

  /** Resolves once every connection has closed and the listener with them, or after `windowMs`. */
  start(server: Server, windowMs: number): Promise<void> {
    this.draining = true;
    return new Promise<void>((resolve) => {
      const deadline = setTimeout(finish, windowMs);
      const poll = setInterval(() => {
        server.getConnections((error, count) => {
          if (!error && count === 0) finish();
        });
      }, POLL_MS);
      function finish(): void {
        clearTimeout(deadline);
        clearInterval(poll);
        resolve();
      }
    }).then(() => {
      if (!server.listening) return;
      // net.Server's close, not http.Server's, which would also close idle connections at once.
      // Fastify's own close later finds the server stopped, which it expects.
      NetServer.prototype.close.call(server);
    });
  }
}
