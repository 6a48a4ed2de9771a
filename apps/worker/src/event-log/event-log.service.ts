import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AuditStore } from '@app/audit';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { QueueNames, type EventLogJob } from '@app/queue';
import { EventLog } from '@app/records';
import { createRedis } from '@app/redis';
import { AuditRetention } from './audit-retention.js';
import { AuditWriter } from './audit-writer.js';

/** Jobs taken side by side, so that their rows share the audit store's transactions. */
const CONCURRENCY = 16;

/**
 * The event-log queue's consumer: each job (one group commit of the registry, or an admin action) is written
 * to the audit store, then appended to the Redis event log. While the audit store is unreachable a job
 * waits (delayed, `auditRetryMs`, no attempt spent) and is written once it is back; rows are keyed by event id,
 * so a job taken twice writes nothing twice.
 */
@Injectable()
export class EventLogService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** How long a job waits before the audit store is tried again. */
  static auditRetryMs = 1_000;
  private readonly redis: Redis;
  private readonly log: EventLog;
  private readonly writer: AuditWriter;
  private readonly retention: AuditRetention;
  private worker?: Worker<EventLogJob>;
  private auditDown = false;

  constructor(
    private readonly config: RegistryConfig,
    private readonly logger: AppLogger,
    private readonly store: AuditStore,
  ) {
    this.redis = createRedis(config.redis, 'worker', { name: 'worker-event-log' });
    this.redis.on('error', (error: Error) => logger.debug({ err: error }, 'event log: redis error'));
    const { events, maxage } = config.notifications.history;
    this.log = new EventLog(this.redis, config.redis.prefix, { events, maxage });
    this.writer = new AuditWriter(store);
    this.retention = new AuditRetention(store, config.audit.retention, logger);
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<EventLogJob>(QueueNames.eventLog, (job, token) => this.process(job, token), {
      connection: this.redis,
      prefix: this.config.redis.prefix,
      concurrency: CONCURRENCY,
      // A crashed worker's job is put back, however often; appending twice is the price (entries carry ids).
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'event log worker error'));
    this.retention.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.retention.stop();
    await this.writer.idle();
    await this.store.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async process(job: Job<EventLogJob>, token?: string): Promise<void> {
    try {
      await this.writer.write(job.data);
      if (this.auditDown) this.logger.info('audit store reachable again');
      this.auditDown = false;
    } catch (error) {
      if (!this.auditDown) this.logger.error({ err: error }, 'audit store unreachable: events wait in the queue');
      this.auditDown = true;
      await job.moveToDelayed(Date.now() + EventLogService.auditRetryMs, token);
      throw new DelayedError();
    }
    if (job.data.events.length > 0) await this.log.append(job.data.events);
  }
}
