import type { Event } from '@app/events';

/**
 * Where the listener hands the events of one successful operation (distribution's Sink). `write` resolves
 * once the events are durable (enqueued in Redis or fsync'd to the local spool), takes a bounded time and
 * never rejects: a notification problem is logged, never returned to the client.
 */
export abstract class EventSink {
  abstract write(events: readonly Event[]): Promise<void>;
}
