import type { AddressInfo } from 'node:net';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RegistryConfig, splitHostPort } from '@app/config';
import { AppLogger } from '@app/logging';
import { HealthChecks } from '../health/index.js';
import { createDebugApp } from './debug-app.js';

/**
 * The debug listener (`http.debug.addr`): its own Nest app on its own server, started with the registry
 * app and closed with it. Nothing listens when `http.debug` is absent. `:5001` means every interface.
 */
@Injectable()
export class DebugListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private app?: NestExpressApplication;

  constructor(
    private readonly config: RegistryConfig,
    private readonly logger: AppLogger,
    private readonly health: HealthChecks,
  ) {}

  /** `host:port` actually bound (port 0 picks one), once listening. */
  get address(): string | undefined {
    const address = this.app?.getHttpServer().address() as AddressInfo | null | undefined;
    return address ? `${address.address}:${address.port}` : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const debug = this.config.http.debug;
    if (!debug?.addr) return;
    const app = await createDebugApp(this.config, this.logger, this.health);
    const { host, port } = splitHostPort(debug.addr.startsWith(':') ? `0.0.0.0${debug.addr}` : debug.addr, 5001);
    try {
      await app.listen(port, host);
    } catch (error) {
      await app.close();
      throw error;
    }
    this.app = app;
    this.logger.info({ addr: this.address, admin: !!debug.token }, 'debug listener');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.app?.close();
  }
}
