import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  receivedAt: number;
}

/** Decides the answer to one request; the default answers 200. May wait (to stall) before answering. */
export type Responder = (request: ReceivedRequest, response: ServerResponse) => void | Promise<void>;

/** A real webhook receiver on loopback that records every request. */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  responder: Responder = (_request, response) => void response.writeHead(200).end();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          receivedAt: Date.now(),
        };
        this.requests.push(request);
        Promise.resolve(this.responder(request, res)).catch(() => res.destroy());
      });
    });
  }

  static async start(port = 0): Promise<HttpReceiver> {
    const receiver = new HttpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Parsed JSON bodies of every request so far. */
  bodies<T = unknown>(): T[] {
    return this.requests.map((request) => JSON.parse(request.body) as T);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
