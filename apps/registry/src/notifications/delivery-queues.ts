import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { wireEvent, type Event } from '@app/events';
import { addDeliveryJob, DeliveryKeys, PARKING_READ_MS, QueueNames, RedisKeys, withTimeout, type DeliveryJob } from '@app/queue';
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
  /** `notifications.history.events`: approximate length of the event log stream. */
  eventLogLength: number;
  /** `notifications.history.maxage` (ms): entries older than this are trimmed, about once a minute. */
  eventLogMaxAge: number;
}

const AGE_TRIM_INTERVAL = 60_000;
/** A reading of the parking flags older than this is not followed. */
const PARKING_STALE_MS = 4 * PARKING_READ_MS;
const NOT_PARKED: ReadonlySet<string> = new Set();

/**
 * The registry's producer side of Redis: one BullMQ queue per enabled endpoint and the event log stream, all
 * on one ioredis connection with auto-pipelining, so that the jobs and log entries of one batch leave in one
 * write and come back in one round trip. The connection fails fast (no offline queue) when Redis is down.
 */
export class DeliveryQueues {
  private readonly queues = new Map<string, Queue<DeliveryJob>>();
  private readonly eventLogKey: string;
  private outageLogged = false;
  private lastAgeTrim = 0;
  /** Endpoints whose worker asked for parking (libs/queue/src/parking.ts), as last read. */
  private parked = new Set<string>();
  private parkingReadAt = 0;

  constructor(
    readonly client: Redis,
    private readonly options: DeliveryQueuesOptions,
    private readonly logger: Logger,
  ) {
    this.eventLogKey = RedisKeys.eventLog(options.prefix);
    client.on('error', (error: Error) => this.reportOutage(error));
    client.on('ready', () => this.reportRecovery());
    for (const name of options.endpoints) {
      const queue = new Queue<DeliveryJob>(QueueNames.delivery(name), { connection: client, prefix: options.prefix });
      queue.on('error', (error) => this.reportOutage(error));
      this.queues.set(name, queue);
    }
  }

  /** True while the connection is up; enqueueing is only tried then. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Adds each group to its endpoints' queues, one job per endpoint holding the group's events that endpoint
   * takes (its id derives from them, so a replay adds nothing), and every event to the event log. A parked
   * endpoint's job goes to its parked list instead. Which endpoints are parked is reread every PARKING_READ_MS
   * at most, in this same pipeline; after a quiet spell the last reading is not trusted (a job in the queue is
   * always right, a parked one waits for the worker's next check). Every command is issued before any reply
   * is awaited: one round trip.
   */
  async enqueue(groups: readonly EventGroup[]): Promise<void> {
    // Issue from a microtask: ioredis flushes its auto-pipeline on the next tick, after every command that
    // the BullMQ adds below issue through their promise chains.
    await Promise.resolve();
    const replies: Promise<unknown>[] = [];
    const sinceRead = Date.now() - this.parkingReadAt;
    const parked = sinceRead < PARKING_STALE_MS ? this.parked : NOT_PARKED;
    if (sinceRead >= PARKING_READ_MS && this.options.endpoints.length > 0) replies.push(this.readParking());
    for (const group of groups) {
      for (const [name, events] of byEndpoint(group)) {
        // An endpoint removed from the config since the group was spooled has no queue any more.
        const queue = this.queues.get(name);
        if (queue) replies.push(parked.has(name) ? this.park(name, events) : addDeliveryJob(queue, events));
      }
      for (const { event } of group) {
        const entry = JSON.stringify(wireEvent(event));
        replies.push(this.client.xadd(this.eventLogKey, 'MAXLEN', '~', String(this.options.eventLogLength), '*', 'event', entry));
      }
    }
    if (Date.now() - this.lastAgeTrim >= AGE_TRIM_INTERVAL) {
      this.lastAgeTrim = Date.now();
      replies.push(this.client.xtrim(this.eventLogKey, 'MINID', String(Date.now() - this.options.eventLogMaxAge)));
    }
    await Promise.all(replies);
  }

  private park(endpoint: string, events: Event[]): Promise<number> {
    const job: DeliveryJob = { events };
    return this.client.rpush(DeliveryKeys.parked(this.options.prefix, endpoint), JSON.stringify(job));
  }

  /** Rereads the parking flags; the commits after this one follow them. */
  private async readParking(): Promise<void> {
    this.parkingReadAt = Date.now();
    const { prefix, endpoints } = this.options;
    const flags = await this.client.mget(endpoints.map((name) => DeliveryKeys.parking(prefix, name)));
    this.parked = new Set(endpoints.filter((_, index) => flags[index] !== null));
  }

  /** Closes the queues and the connection; never waits for an unreachable Redis. */
  async close(): Promise<void> {
    // A queue still waiting for its first connection would wait for Redis to come back: end the connection first.
    if (this.client.status !== 'ready') this.client.disconnect();
    await Promise.allSettled([...this.queues.values()].map((queue) => withTimeout(queue.close(), 2_000, 'queue close')));
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
