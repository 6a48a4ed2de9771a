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
