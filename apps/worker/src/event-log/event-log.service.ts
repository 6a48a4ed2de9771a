import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { QueueNames, type EventLogJob } from '@app/queue';
import { EventLog } from '@app/records';
import { createRedis } from '@app/redis';

/**
 * The event log's writer: takes the event-log queue's jobs (one per group commit of the registry) and
 * appends their events to the event log (libs/records), which the admin API's event query reads.
 */
@Injectable()
export class EventLogService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly redis: Redis;
  private readonly log: EventLog;
  private worker?: Worker<EventLogJob>;

  constructor(
    private readonly config: RegistryConfig,
    private readonly logger: AppLogger,
  ) {
    this.redis = createRedis(config.redis, 'worker', { name: 'worker-event-log' });
    this.redis.on('error', (error: Error) => logger.debug({ err: error }, 'event log: redis error'));
    const { events, maxage } = config.notifications.history;
    this.log = new EventLog(this.redis, config.redis.prefix, { events, maxage });
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<EventLogJob>(QueueNames.eventLog, (job) => this.log.append(job.data.events), {
      connection: this.redis,
      prefix: this.config.redis.prefix,
      // A crashed worker's job is put back, however often; appending twice is the price (entries carry ids).
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'event log worker error'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
