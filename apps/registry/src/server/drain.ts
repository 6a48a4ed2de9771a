import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Graceful shutdown of HTTP servers (`http.draintimeout`). Once `drain` starts: the servers stop
 * accepting connections, idle keep-alive connections close, a request that still arrives on an open
 * connection gets 503 with `Connection: close`, and requests in flight (uploads included) run to their
 * end, for at most `timeout` ms; then every remaining connection is closed.
 */
export class Drainer {
  private inFlight = 0;
  private draining = false;
  private idle?: () => void;

  constructor(private readonly servers: readonly Server[]) {}

  /** Middleware (connect-style) counting requests in flight and refusing new ones while draining. */
  readonly middleware = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (this.draining) {
      const body = JSON.stringify({
        errors: [{ code: 'UNAVAILABLE', message: 'service unavailable', detail: 'shutting down' }],
      });
      res.writeHead(503, {
        Connection: 'close',
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    this.inFlight += 1;
    res.once('close', () => {
      this.inFlight -= 1;
      if (this.draining) res.req.socket.end();
      if (this.inFlight === 0) this.idle?.();
    });
    next();
  };

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Resolves with the number of requests cut off (0 when all finished in time). */
  async drain(timeout: number): Promise<number> {
    this.draining = true;
    for (const server of this.servers) {
      server.close();
      server.closeIdleConnections();
    }
    if (this.inFlight > 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeout);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const cut = this.inFlight;
    for (const server of this.servers) server.closeAllConnections();
    return cut;
  }
}
