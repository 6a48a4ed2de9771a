import { Controller, Get, Header, Optional, type Type } from '@nestjs/common';
import { Registry, register } from 'prom-client';
import { DeliveryMetricsCollector } from '@app/records';

/**
 * `GET <http.debug.prometheus.path>`: prom-client's default registry (where the listeners area records
 * requests and the storage and cache areas theirs) merged with the delivery metrics read from Redis, when
 * Redis is configured. The path comes from the config, so the controller is made for it.
 */
export function metricsController(path: string): Type<unknown> {
  @Controller()
  class MetricsController {
    constructor(@Optional() private readonly delivery?: DeliveryMetricsCollector) {}

    @Get(path)
    @Header('content-type', register.contentType)
    async scrape(): Promise<string> {
      const registries = this.delivery ? [register, await this.delivery.collect()] : [register];
      return Registry.merge(registries).metrics();
    }
  }
  return MetricsController;
}
