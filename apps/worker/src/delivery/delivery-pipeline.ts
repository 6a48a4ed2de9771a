import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { RegistryConfig } from '@app/config';
import type { Logger } from '@app/logging';
import type { DeliveryAlerts } from '@app/mail';
import { AttemptHistory, DeadLetterStore, DeliveryMetricsStore, EndpointStateStore, RedisKeys } from '@app/records';
import { redisOptions } from '@app/redis';
import { DeliveryRecorder } from './delivery-recorder.js';
import { EndpointDelivery } from './endpoint-delivery.js';

const EVENT_LOG_TRIM_MS = 60_000;

/**
 * Every configured, enabled endpoint's delivery, created from config: `start` opens the queues and
 * workers, `close` lets the attempts in flight finish and closes every connection. Plain class (the Nest
 * service wraps it) so that tests run the real pipeline in-process.
 */
export class DeliveryPipeline {
  readonly deliveries: EndpointDelivery[];
  private readonly redis: Redis;
  private trimTimer?: NodeJS.Timeout;
  private readonly eventLog: { key: string; maxage: number };

  constructor(config: RegistryConfig, alerts: DeliveryAlerts, logger: Logger) {
    const prefix = config.redis.prefix;
    const connection = redisOptions(config.redis, 'worker');
    this.redis = new Redis(connection);
    this.redis.on('error', (error: Error) => logger.debug({ err: error }, 'delivery records: redis error'));
    const { history, alerts: alertConfig } = config.notifications;
    const stores = {
      redis: this.redis,
      history: new AttemptHistory(this.redis, prefix, { attempts: history.attempts, maxage: history.maxage }),
      state: new EndpointStateStore(this.redis, prefix),
      deadLetters: new DeadLetterStore(this.redis, prefix),
      metrics: new DeliveryMetricsStore(this.redis, prefix),
    };
    const recorder = new DeliveryRecorder(stores, alerts, alertConfig.failingafter, logger);
    this.eventLog = { key: RedisKeys.eventLog(prefix), maxage: history.maxage };
    this.deliveries = config.notifications.endpoints
      .filter((endpoint) => !endpoint.disabled)
      .map((endpoint) => new EndpointDelivery(endpoint, { connection: connection as ConnectionOptions, prefix, recorder, logger, failingAfter: alertConfig.failingafter, redis: this.redis }));
  }

  async start(): Promise<void> {
    await Promise.all(this.deliveries.map((delivery) => delivery.start()));
    this.trimTimer = setInterval(() => void this.trimEventLog(), EVENT_LOG_TRIM_MS);
    this.trimTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.trimTimer);
    await Promise.allSettled(this.deliveries.map((delivery) => delivery.close()));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** The broadcaster bounds the event log by length; its age bound (`history.maxage`) is kept here. */
  private async trimEventLog(): Promise<void> {
    await this.redis.xtrim(this.eventLog.key, 'MINID', '~', String(Date.now() - this.eventLog.maxage)).catch(() => undefined);
  }
}
