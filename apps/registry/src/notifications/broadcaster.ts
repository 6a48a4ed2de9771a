import { compileEventFilter, type Event, type EventFilter } from '@app/events';
import type { EndpointConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { EventSink } from './event-sink.js';
import type { DeliveryQueues, RoutedEvent } from './delivery-queues.js';
import type { EventSpool } from './event-spool.js';
import type { SpoolFlusher } from './spool-flusher.js';
import { withTimeout } from './with-timeout.js';

interface Endpoint {
  name: string;
  accepts: EventFilter;
}

/**
 * Fans events out (distribution's Broadcaster): each enabled endpoint whose filter takes an event gets a
 * delivery job, and every event goes to the event log, in one Redis round trip per batch. When Redis is
 * down, slow or the enqueue fails, the events go to the local spool (fsync'd) and the flusher brings them in
 * later; while anything waits in the spool, new events queue behind it so that order is kept.
 */
export class Broadcaster extends EventSink {
  private readonly endpoints: Endpoint[];

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
    this.endpoints = endpoints.filter((endpoint) => !endpoint.disabled).map((endpoint) => ({ name: endpoint.name, accepts: compileEventFilter(endpoint) }));
  }

  override async write(events: readonly Event[]): Promise<void> {
    if (!this.queues || events.length === 0) return;
    const routed = events.map((event) => ({ event, endpoints: this.endpointsFor(event) }));
    if (!this.spool.pending && this.queues.ready) {
      try {
        await withTimeout(this.queues.enqueue(routed), this.enqueueTimeout, 'event enqueue');
        return;
      } catch (error) {
        this.logger.warn({ err: error, events: routed.length }, 'enqueueing notification events failed; spooling them');
      }
    }
    await this.toSpool(routed);
  }

  endpointsFor(event: Event): string[] {
    return this.endpoints.filter((endpoint) => endpoint.accepts(event)).map((endpoint) => endpoint.name);
  }

  private async toSpool(routed: RoutedEvent[]): Promise<void> {
    try {
      await this.spool.append(routed);
    } catch (error) {
      this.logger.error({ err: error, eventIds: routed.map((item) => item.event.id) }, 'notification events lost: the spool could not be written');
    }
    this.flusher?.kick();
  }
}
