import type { Queue } from 'bullmq';
import type { Event } from '@app/events';
import { deliveryJobId } from './delivery-job.js';

/** One group commit's events, for the event log (`QueueNames.eventLog`), whatever endpoints took them. */
export interface EventLogJob {
  events: Event[];
}

export const EVENT_LOG_JOB_NAME = 'log';

const OPTIONS = {
  removeOnComplete: { age: 3_600, count: 10_000 },
  // A failed append (Redis busy, say) is tried again every second for a quarter of an hour.
  attempts: 900,
  backoff: { type: 'fixed', delay: 1_000 },
} as const;

/** Adds the events (non-empty, in order) to the event-log queue; the id derives from them, as a delivery job's. */
export function addEventLogJob(queue: Queue<EventLogJob>, events: Event[]): Promise<unknown> {
  return queue.add(EVENT_LOG_JOB_NAME, { events }, { ...OPTIONS, jobId: deliveryJobId(events) });
}
