import type { Event } from '@app/events';

/**
 * A delivery job: one event for one endpoint, in that endpoint's queue. Its job id is the event id, so
 * enqueueing the same event twice (a spool replay, a retried enqueue) adds it once.
 */
export interface DeliveryJob {
  event: Event;
}

export const DELIVERY_JOB_NAME = 'deliver';

export function deliveryJobId(eventId: string): string {
  return eventId;
}

/**
 * Options of every delivery job (owned by the worker side; the registry calls it). Minimal version added by
 * the registry's broadcaster: idempotent id, completed jobs kept a day (so a late replay is still deduped),
 * failed jobs kept for the dead-letter set.
 */
export function deliveryJobOptions(eventId: string): { jobId: string; removeOnComplete: { age: number; count: number }; removeOnFail: boolean } {
  return { jobId: deliveryJobId(eventId), removeOnComplete: { age: 86400, count: 100000 }, removeOnFail: false };
}

/**
 * Job id of a replay (admin API): a new id so that BullMQ accepts the job although the original is still
 * kept, the same event (and so the same `webhook-id` and event id for the receiver's dedupe).
 */
export function deliveryReplayJobId(eventId: string, at = Date.now()): string {
  return `${eventId}-replay-${at.toString(36)}`;
}
