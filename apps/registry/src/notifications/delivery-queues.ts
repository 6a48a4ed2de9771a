import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Event } from '@app/events';
import { addDeliveryJob, addEventLogJob, QueueNames, type DeliveryJob, type EventLogJob } from '@app/queue';
import { withTimeout } from '@app/async';
import type { Logger } from '@app/logging';

/** One event and the endpoints whose filters took it. */
export interface RoutedEvent {
  event: Event;
  endpoints: string[];
}

/** The events of one group commit, in order: the unit the broadcaster enqueues and spools. */
export type EventGroup = RoutedEvent[];

export interface DeliveryQueuesOptions {
  /** `redis.prefix`. */
  prefix: string;
  /** Names of the enabled endpoints. */
  endpoints: readonly string[];
  /** `redis.minreplicas`: replicas that must confirm each enqueue (WAIT), 0 for none. */
  minReplicas?: number;
}

/** How long an enqueue waits for its replicas before it counts as failed (and the group is spooled). */
const REPLICA_WAIT_MS = 1_000;

/**
 * The registry's producer side of Redis: one BullMQ queue per enabled endpoint and the event-log queue, on
 * one ioredis connection with auto-pipelining. It writes jobs (libs/queue) and nothing else: what becomes of
 * them is the worker's. The connection fails fast (no offline queue) when Redis is down.
 */
export class DeliveryQueues {
  private readonly queues = new Map<string, Queue<DeliveryJob>>();
  private readonly eventLog: Queue<EventLogJob>;
  private outageLogged = false;
  private readonly minReplicas: number;

  constructor(
    readonly client: Redis,
    options: DeliveryQueuesOptions,
    private readonly logger: Logger,
  ) {
    this.minReplicas = options.minReplicas ?? 0;
    client.on('error', (error: Error) => this.reportOutage(error));
    client.on('ready', () => this.reportRecovery());
    const open = <T>(name: string): Queue<T> => {
      const queue = new Queue<T>(name, { connection: client, prefix: options.prefix });
      queue.on('error', (error) => this.reportOutage(error));
      return queue;
    };
    for (const name of options.endpoints) this.queues.set(name, open<DeliveryJob>(QueueNames.delivery(name)));
    this.eventLog = open<EventLogJob>(QueueNames.eventLog);
  }

  /** True while the connection is up; enqueueing is only tried then. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Adds each group to its endpoints' queues, one job per endpoint holding the group's events that endpoint
   * takes, and one job of all its events to the event log. Job ids derive from the events, so a replay of a
   * spooled group adds nothing. With `minReplicas`, resolves only once that many replicas have the jobs.
   */
  async enqueue(groups: readonly EventGroup[]): Promise<void> {
    const replies: Promise<unknown>[] = [];
    for (const group of groups) {
      for (const [name, events] of byEndpoint(group)) {
        // An endpoint removed from the config since the group was spooled has no queue any more.
        const queue = this.queues.get(name);
        if (queue) replies.push(addDeliveryJob(queue, events));
      }
      replies.push(
        addEventLogJob(
          this.eventLog,
          group.map(({ event }) => event),
        ),
      );
    }
    await Promise.all(replies);
    // A master that dies before its replica has the jobs would lose them in the failover: until the replicas
    // confirm, the enqueue has failed and the broadcaster spools the group (replayed with the same job ids).
    if (this.minReplicas > 0) {
      const confirmed = await this.client.wait(this.minReplicas, REPLICA_WAIT_MS);
      if (confirmed < this.minReplicas)
        throw new Error(`${confirmed} of ${this.minReplicas} redis replicas confirmed the events`);
    }
  }

  /** Closes the queues and the connection; never waits for an unreachable Redis. */
  async close(): Promise<void> {
    // A queue still waiting for its first connection would wait for Redis to come back: end the connection first.
    if (this.client.status !== 'ready') this.client.disconnect();
    await Promise.allSettled(
      [...this.queues.values(), this.eventLog].map((queue) => withTimeout(queue.close(), 2_000, 'queue close')),
    );
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  /** Once per outage, not once per reconnect attempt. */
  private reportOutage(error: Error): void {
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.warn({ err: error }, 'redis unreachable: notification events go to the local spool');
  }

  private reportRecovery(): void {
    if (!this.outageLogged) return;
    this.outageLogged = false;
    this.logger.info('redis reachable again: flushing the notification spool');
  }
}

/** Each endpoint's events of a group, in the group's order. */
function byEndpoint(group: EventGroup): Map<string, Event[]> {
  const events = new Map<string, Event[]>();
  for (const { event, endpoints } of group) {
    for (const name of endpoints) {
      const list = events.get(name);
      if (list) list.push(event);
      else events.set(name, [event]);
    }
  }
  return events;
}
