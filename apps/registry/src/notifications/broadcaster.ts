import { compileEventFilter, type Event, type EventFilter } from '@app/events';
import type { EndpointConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { EventSink } from './event-sink.js';
import type { DeliveryQueues, RoutedEvent } from './delivery-queues.js';
import { GroupCommit } from '@app/async';
import type { EventSpool } from './event-spool.js';
import type { SpoolFlusher } from './spool-flusher.js';
import { withTimeout } from '@app/async';

interface Endpoint {
  name: string;
  accepts: EventFilter;
}

/** Events of one group commit at most: bounds a delivery job's size. */
const MAX_GROUP_EVENTS = 128;

/**
 * Fans events out (distribution's Broadcaster): each enabled endpoint whose filter takes an event gets it
 * in a delivery job, and every event goes to the event log. Writes are group-committed (GroupCommit, libs/async):
 * the events of all requests that arrive while one commit is in flight make the next commit, one Redis
 * round trip and one job per endpoint. When Redis is down, slow or the enqueue fails, the group goes to the
 * local spool (fsync'd) as one unit and the flusher brings it in later with the same job ids; while anything
 * waits in the spool, new groups queue behind it so that order is kept.
 */
export class Broadcaster extends EventSink {
  private readonly endpoints: Endpoint[];
  private readonly commits = new GroupCommit<RoutedEvent>((group) => this.commit(group), MAX_GROUP_EVENTS);

  constructor(
    endpoints: readonly EndpointConfig[],
    /** Absent when no Redis is configured (then no endpoint is either): events are dropped. */
    private readonly queues: DeliveryQueues | undefined,
    private readonly spool: EventSpool,
    private readonly flusher: SpoolFlusher | undefined,
    private readonly logger: Logger,
    private readonly enqueueTimeout: number,
  ) {
    super();
    this.endpoints = endpoints
      .filter((endpoint) => !endpoint.disabled)
      .map((endpoint) => ({ name: endpoint.name, accepts: compileEventFilter(endpoint) }));
  }

  /** Resolves once the events are in Redis or in the spool (it never rejects: a lost event is logged). */
  override async write(events: readonly Event[]): Promise<void> {
    if (!this.queues || events.length === 0) return;
    await this.commits.add(events.map((event) => ({ event, endpoints: this.endpointsFor(event) })));
  }

  /** Resolves once every write handed in so far is committed. */
  idle(): Promise<void> {
    return this.commits.idle();
  }

  endpointsFor(event: Event): string[] {
    return this.endpoints.filter((endpoint) => endpoint.accepts(event)).map((endpoint) => endpoint.name);
  }

  private async commit(group: RoutedEvent[]): Promise<void> {
    if (!this.spool.pending && this.queues!.ready) {
      try {
        await withTimeout(this.queues!.enqueue([group]), this.enqueueTimeout, 'event enqueue');
        return;
      } catch (error) {
        this.logger.warn({ err: error, events: group.length }, 'enqueueing notification events failed; spooling them');
      }
    }
    await this.toSpool(group);
  }

  private async toSpool(routed: RoutedEvent[]): Promise<void> {
    try {
      await this.spool.append(routed);
    } catch (error) {
      this.logger.error(
        { err: error, eventIds: routed.map((item) => item.event.id) },
        'notification events lost: the spool could not be written',
      );
    }
    this.flusher?.kick();
  }
}
