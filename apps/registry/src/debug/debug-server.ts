import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { splitHostPort } from '@app/config';
import { DebugRouter, type DebugRoute } from './debug-router.js';

/**
 * The debug listener (`http.debug.addr`): a plain node:http server beside the registry's, started with
 * the app and closed with it. Areas add their routes with `route()` from their own providers before the
 * app bootstraps (`/metrics` and the admin API in debug.module.ts; `/debug/health` belongs to the health
 * area and is added the same way). Nothing listens when `http.debug` is absent.
 */
@Injectable()
export class DebugServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly router: DebugRouter;
  private server?: Server;

  constructor(
    private readonly config: RegistryConfig,
    private readonly logger: AppLogger,
  ) {
    this.router = new DebugRouter(config.http.debug?.token);
  }

  route(route: DebugRoute): void {
    this.router.add(route);
  }

  /** `host:port` actually bound (port 0 picks one), once listening. */
  get address(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `${address.address}:${address.port}` : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const debug = this.config.http.debug;
    if (!debug?.addr) return;
    const server = createServer((req, res) => {
      this.router.dispatch(req, res).catch((error: unknown) => {
        this.logger.error({ err: error, path: req.url }, 'debug listener: request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
        else res.destroy();
      });
    });
    const { host, port } = splitHostPort(debug.addr.startsWith(':') ? `0.0.0.0${debug.addr}` : debug.addr, 5001);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.info({ addr: this.address, admin: !!debug.token }, 'debug listener');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
