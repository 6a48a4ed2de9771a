import type { Queue } from 'bullmq';
import type { Event } from '@app/events';

/**
 * A delivery job: events for one endpoint, in that endpoint's queue, in the order the registry emitted
 * them. Usually one event; under load the broadcaster's group commit (apps/registry/src/notifications/
 * group-commit.ts) puts the events of every request that arrived while the previous commit was in flight
 * into one job per endpoint, so that the registry's enqueue and the worker's bookkeeping cost one job, not
 * one per event. The worker still sends `batch.size` events per envelope (one by default), and settles each
 * event on its own: delivered events leave the job, the rest retry or are dead-lettered.
 */
export interface DeliveryJob {
  events: Event[];
  /** Jobs written before group commit held a single event here; still read. */
  event?: Event;
  /**
   * Attempts its events had before they became this job (a parked event delivered straight from the parking
   * list that failed; see apps/worker/src/delivery/endpoint-parking.ts): the job's attempt numbers follow on.
   */
  attempts?: number;
}

export const DELIVERY_JOB_NAME = 'deliver';

/** The events of a job, whichever shape it was written in. */
export function jobEvents(data: DeliveryJob): Event[] {
  return data.events ?? (data.event ? [data.event] : []);
}

/**
 * Job id of a group of events: the event id for one event, else the first and last ids. It derives from the
 * events alone, so enqueueing the same group twice (a spool replay, a retried enqueue) adds it once.
 */
export function deliveryJobId(events: readonly Pick<Event, 'id'>[]): string {
  const first = events[0]!.id;
  return events.length === 1 ? first : `${first}..${events.at(-1)!.id}`;
}

/**
 * Options of every delivery job (owned by the worker side; the registry calls it): idempotent id,
 * completed jobs kept a day (so a late replay is still deduped), failed jobs kept for the dead-letter set.
 */
export function deliveryJobOptions(jobId: string): { jobId: string; removeOnComplete: { age: number; count: number }; removeOnFail: boolean } {
  return { jobId, removeOnComplete: { age: 86400, count: 100000 }, removeOnFail: false };
}

/** Adds one job holding `events` (non-empty, in order) to an endpoint's queue; `retry` when they already had attempts. */
export function addDeliveryJob(queue: Queue<DeliveryJob>, events: Event[], retry?: { attempts: number; delayMs: number }): Promise<unknown> {
  const options = deliveryJobOptions(deliveryJobId(events));
  if (!retry) return queue.add(DELIVERY_JOB_NAME, { events }, options);
  return queue.add(DELIVERY_JOB_NAME, { events, attempts: retry.attempts }, { ...options, delay: retry.delayMs });
}

/**
 * Job id of a replay (admin API): a new id so that BullMQ accepts the job although the original is still
 * kept, the same event (and so the same `webhook-id` and event id for the receiver's dedupe).
 */
export function deliveryReplayJobId(eventId: string, at = Date.now()): string {
  return `${eventId}-replay-${at.toString(36)}`;
}
