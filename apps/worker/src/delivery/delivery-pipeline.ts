import type { Redis } from 'ioredis';
import type { RegistryConfig } from '@app/config';
import type { Logger } from '@app/logging';
import type { DeliveryAlerts } from '@app/mail';
import { AttemptHistory, DeadLetterStore, DeliveryMetricsStore, EndpointStateStore } from '@app/records';
import { createRedis } from '@app/redis';
import { DeliveryRecorder } from './delivery-recorder.js';
import { EndpointDelivery } from './endpoint-delivery.js';

/**
 * Every configured, enabled endpoint's delivery, created from config: `start` opens the queues and
 * workers, `close` lets the attempts in flight finish and closes every connection. Plain class (the Nest
 * service wraps it) so that tests run the real pipeline in-process.
 */
export class DeliveryPipeline {
  readonly deliveries: EndpointDelivery[];
  /** The records' connection; BullMQ gets its own (it defines its scripts on the client it is given). */
  private readonly redis: Redis;
  private readonly queues: Redis;

  constructor(config: RegistryConfig, alerts: DeliveryAlerts, logger: Logger) {
    const prefix = config.redis.prefix;
    this.redis = createRedis(config.redis, 'worker', { name: 'worker-delivery-records' });
    this.queues = createRedis(config.redis, 'worker', { name: 'worker-delivery-queues' });
    for (const client of [this.redis, this.queues]) {
      client.on('error', (error: Error) => logger.debug({ err: error }, 'delivery: redis error'));
    }
    const { history, alerts: alertConfig } = config.notifications;
    const stores = {
      redis: this.redis,
      history: new AttemptHistory(this.redis, prefix, { attempts: history.attempts, maxage: history.maxage }),
      state: new EndpointStateStore(this.redis, prefix),
      deadLetters: new DeadLetterStore(this.redis, prefix),
      metrics: new DeliveryMetricsStore(this.redis, prefix),
    };
    const recorder = new DeliveryRecorder(stores, alerts, alertConfig.failingafter, logger);
    this.deliveries = config.notifications.endpoints
      .filter((endpoint) => !endpoint.disabled)
      .map(
        (endpoint) =>
          new EndpointDelivery(endpoint, {
            connection: this.queues,
            prefix,
            recorder,
            logger,
            network: config.notifications.network,
          }),
      );
  }

  async start(): Promise<void> {
    await Promise.all(this.deliveries.map((delivery) => delivery.start()));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.deliveries.map((delivery) => delivery.close()));
    for (const client of [this.redis, this.queues]) await client.quit().catch(() => client.disconnect());
  }
}
