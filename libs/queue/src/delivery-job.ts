import type { Queue } from 'bullmq';
import type { Event } from '@app/events';

/**
 * A delivery job: events for one endpoint, in that endpoint's queue (`QueueNames.delivery`), in the order the
 * registry accepted them. Usually one event; under load the broadcaster's group commit puts the events of
 * every request that arrived while the previous commit was in flight into one job per endpoint.
 */
export interface DeliveryJob {
  events: Event[];
  /**
   * Attempts already made per event id (written by the worker when an attempt fails, so that a job taken
   * again after a crash goes on with its retry budget rather than from the start).
   */
  attempts?: Record<string, number>;
}

export const DELIVERY_JOB_NAME = 'deliver';

/**
 * Job id of a group of events: the event id for one event, else the first and last ids. It derives from the
 * events alone, so enqueueing the same group twice (a spool replay, a retried enqueue) adds it once.
 */
export function deliveryJobId(events: readonly Pick<Event, 'id'>[]): string {
  const first = events[0]!.id;
  return events.length === 1 ? first : `${first}..${events.at(-1)!.id}`;
}

/** Completed jobs are kept a day (so a late replay of the same group is still deduplicated). */
const KEEP_COMPLETED = { age: 86_400, count: 100_000 };

/** Adds one job holding `events` (non-empty, in order) to an endpoint's queue. */
export function addDeliveryJob(
  queue: Queue<DeliveryJob>,
  events: Event[],
  jobId = deliveryJobId(events),
): Promise<unknown> {
  return queue.add(DELIVERY_JOB_NAME, { events }, { jobId, removeOnComplete: KEEP_COMPLETED, removeOnFail: true });
}

/**
 * Job id of a replay (admin API): a new id so that BullMQ accepts the job although the original is still
 * kept, the same event (and so the same `webhook-id` and event id for the receiver's dedupe).
 */
export function deliveryReplayJobId(eventId: string, at = Date.now()): string {
  return `${eventId}-replay-${at.toString(36)}`;
}
