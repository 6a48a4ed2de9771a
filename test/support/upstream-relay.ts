import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the relay does with a request: pass it on, answer 429 or 503 itself, or never answer. */
export type RelayMode = 'pass' | '429' | '503' | 'hang';

/**
 * A plain HTTP relay in front of a real upstream, as a load balancer would stand there: passes every request
 * on (headers and bodies streamed both ways), or, when told, answers 429 (with Retry-After) or 503 itself,
 * or holds the request without an answer, to show how a client behaves when its upstream is rate-limited,
 * failing or stalled.
 */
export class UpstreamRelay {
  mode: RelayMode = 'pass';
  private readonly held = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  static async start(target: string): Promise<UpstreamRelay> {
    const relay = new UpstreamRelay(createServer(), new URL(target));
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.mode === 'hang') {
      this.held.add(res);
      return;
    }
    if (this.mode !== 'pass') {
      const body = JSON.stringify({ errors: [{ code: this.mode === '429' ? 'TOOMANYREQUESTS' : 'UNAVAILABLE' }] });
      res.writeHead(Number(this.mode), { 'content-type': 'application/json', 'retry-after': '7' }).end(body);
      return;
    }
    const headers = { ...req.headers, host: this.target.host };
    const out = request(this.target, { method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  }
}
