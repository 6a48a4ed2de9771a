import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { DeliveryAlerts } from '@app/mail';
import { DeliveryPipeline } from './delivery-pipeline.js';

/** Starts the delivery pipeline with the app and closes it first on shutdown (SIGTERM). */
@Injectable()
export class DeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly pipeline: DeliveryPipeline;

  constructor(
    config: RegistryConfig,
    alerts: DeliveryAlerts,
    private readonly logger: AppLogger,
  ) {
    this.pipeline = new DeliveryPipeline(config, alerts, logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.pipeline.start();
    const endpoints = this.pipeline.deliveries.map((delivery) => delivery.endpoint.name);
    this.logger.info({ endpoints }, 'delivery started');
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.info({ signal }, 'delivery stopping: letting attempts in flight finish');
    await this.pipeline.close();
    this.logger.info('delivery stopped');
  }
}
