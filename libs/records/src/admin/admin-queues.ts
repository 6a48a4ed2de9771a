import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Injectable } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { addAdminActionJob, addDeliveryJob, QueueNames, type AdminAction, type DeliveryJob } from '@app/queue';
import type { EventLogJob } from '@app/queue';
import type { Event } from '@app/events';

/** Delivery jobs not finished: a job usually holds one event, a group-committed one several. */
export interface PendingCounts {
  waiting: number;
  delayed: number;
  active: number;
}

/**
 * The admin plane's handle on each endpoint's delivery queue, opened on first use over the admin connection
 * and only through BullMQ's Queue API: job counts, paused or not, resume, and adding jobs through the
 * contract (`addDeliveryJob`; `addAdminActionJob` into the event-log queue).
 */
@Injectable()
export class AdminQueues {
  private readonly queues = new Map<string, Queue<DeliveryJob>>();
  private eventLog?: Queue<EventLogJob>;

  constructor(
    private readonly redis: Redis,
    private readonly config: RegistryConfig,
  ) {}

  async pending(endpoint: string): Promise<PendingCounts> {
    const counts = await this.queue(endpoint).getJobCounts('wait', 'prioritized', 'delayed', 'active');
    return {
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
    };
  }

  isPaused(endpoint: string): Promise<boolean> {
    return this.queue(endpoint).isPaused();
  }

  resume(endpoint: string): Promise<void> {
    return this.queue(endpoint).resume();
  }

  /** One delivery job of `events`; `jobId` as the contract derives it unless given (a replay's). */
  async enqueue(endpoint: string, events: Event[], jobId?: string): Promise<void> {
    await addDeliveryJob(this.queue(endpoint), events, jobId);
  }

  /** An admin action, for the audit store (the event-log queue). */
  async record(action: AdminAction): Promise<void> {
    if (!this.eventLog) {
      const { prefix } = this.config.redis;
      this.eventLog = new Queue<EventLogJob>(QueueNames.eventLog, { connection: this.redis, prefix });
      this.eventLog.on('error', () => undefined);
    }
    await addAdminActionJob(this.eventLog, action);
  }

  async close(): Promise<void> {
    const queues = [...this.queues.values(), ...(this.eventLog ? [this.eventLog] : [])];
    await Promise.allSettled(queues.map((queue) => queue.close()));
  }

  private queue(endpoint: string): Queue<DeliveryJob> {
    let queue = this.queues.get(endpoint);
    if (!queue) {
      queue = new Queue<DeliveryJob>(QueueNames.delivery(endpoint), {
        connection: this.redis,
        prefix: this.config.redis.prefix,
      });
      queue.on('error', () => undefined);
      this.queues.set(endpoint, queue);
    }
    return queue;
  }
}
