import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { HttpConfig, LogConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { accessLog, type RequestObserver } from './access-log.js';
import { answerClientError, apiVersionHeader } from './api-version.js';
import { Drainer } from './drain.js';
import { responseHeaders } from './response-headers.js';
import { tlsOptions } from './tls-options.js';
import { applySocketMode, freeSocketPath } from './unix-socket.js';

/** The express app's registration of plain middleware (before Nest's routes). */
export interface MiddlewareHost {
  use(handler: (...args: never[]) => void): unknown;
}

/**
 * The registry's own HTTP listener (`http.*`): plain HTTP or TLS (`http.tls`, mTLS with `clientcas`),
 * on TCP (`http.addr` host:port) or a unix socket (`http.net: unix`, `http.addr` the path, `socketmode`),
 * with `http.headers` on every response, the request id and access log, and graceful draining
 * (`http.draintimeout`).
 */
export class RegistryListener {
  readonly server: Server;
  private readonly drainer: Drainer;

  /** Builds the server now (reading TLS files, so a bad one is a ConfigError before anything starts). */
  constructor(
    private readonly http: HttpConfig,
    handler: RequestListener,
  ) {
    this.server = http.tls ? createHttpsServer(tlsOptions(http.tls), handler) : createHttpServer(handler);
    this.server.on('clientError', answerClientError);
    this.drainer = new Drainer([this.server]);
  }

  /** Installs the front middleware; call before the app's routes are registered. */
  install(host: MiddlewareHost, logger: Logger, log: LogConfig, observers: readonly RequestObserver[] = []): void {
    host.use(apiVersionHeader);
    host.use(accessLog({ logger, disabled: log.accesslog.disabled, observers }));
    host.use(this.drainer.middleware);
    host.use(responseHeaders(this.http.headers));
  }

  /** Starts listening; resolves with a description of the address (for the start log). */
  async listen(): Promise<string> {
    if (this.http.net === 'unix') {
      await freeSocketPath(this.http.addr);
      await this.bind(() => this.server.listen(this.http.addr));
      applySocketMode(this.http.addr, this.http.socketmode);
      return `unix:${this.http.addr}`;
    }
    const [host, port] = splitAddr(this.http.addr);
    // No host (":5000"): every interface, IPv6 and IPv4 where the system has both, as distribution.
    await this.bind(() => (host === undefined ? this.server.listen(port) : this.server.listen(port, host)));
    const address = this.server.address();
    const [boundHost, bound] =
      address && typeof address === 'object' ? [address.address, address.port] : [host ?? '', port];
    return `${this.http.tls ? 'https' : 'http'}://${boundHost.includes(':') ? `[${boundHost}]` : boundHost}:${bound}`;
  }

  /** Drains for at most `http.draintimeout`; resolves with the number of requests cut off. */
  drain(): Promise<number> {
    return this.drainer.drain(this.http.draintimeout);
  }

  get requestsInFlight(): number {
    return this.drainer.requestsInFlight;
  }

  private bind(start: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.once('listening', () => {
        this.server.off('error', reject);
        resolve();
      });
      start();
    });
  }
}

/** `host:port`, `[v6]:port` or `:port` (host undefined: all interfaces, as distribution's `:5000`). */
export function splitAddr(addr: string): [string | undefined, number] {
  const index = addr.lastIndexOf(':');
  const host = addr.slice(0, index).replace(/^\[|\]$/g, '') || undefined;
  return [host, Number(addr.slice(index + 1))];
}
