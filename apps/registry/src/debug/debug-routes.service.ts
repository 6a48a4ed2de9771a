import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Registry, register } from 'prom-client';
import { RegistryConfig } from '@app/config';
import { instanceId } from '../instance.js';
import { adminRoutes } from './admin-routes.js';
import { DebugServer } from './debug-server.js';
import { DeliveryAdmin } from './delivery-admin.js';
import { DeliveryMetricsCollector } from './delivery-metrics.collector.js';

/**
 * Puts /metrics (prom-client's default registry, where the listeners area records requests, merged with
 * this service's own registry of delivery collectors) and the admin API on the debug listener. Without `redis.addr` there are no
 * delivery records to read, so only /metrics is served.
 */
@Injectable()
export class DebugRoutesService implements OnModuleInit, OnApplicationShutdown {
  private admin?: DeliveryAdmin;
  private readonly delivery = new Registry();
  private collector?: DeliveryMetricsCollector;

  constructor(
    private readonly config: RegistryConfig,
    private readonly server: DebugServer,
  ) {}

  onModuleInit(): void {
    const debug = this.config.http.debug;
    if (!debug?.addr) return;
    if (this.config.redis.addr || this.config.redis.sentinel) {
      this.admin = new DeliveryAdmin(this.config, this.config.http.host ?? this.config.http.addr, instanceId);
      this.collector = new DeliveryMetricsCollector(this.admin);
      this.collector.register(this.delivery);
      for (const route of adminRoutes(this.admin)) this.server.route(route);
    }
    if (debug.prometheus.enabled) {
      this.server.route({
        method: 'GET',
        path: debug.prometheus.path,
        admin: false,
        handle: async () => {
          await this.collector?.refresh();
          const merged = Registry.merge([register, this.delivery]);
          return { status: 200, body: await merged.metrics(), contentType: register.contentType };
        },
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.close();
  }
}
