import type { Queue } from 'bullmq';
import type { Event } from '@app/events';
import { deliveryJobId } from './delivery-job.js';

/**
 * One group commit's events, for the event log and the audit store (`QueueNames.eventLog`), whatever
 * endpoints took them; or an operator's action on the admin API (`events` empty then).
 */
export interface EventLogJob {
  events: Event[];
  actions?: AdminAction[];
}

/** An operator's action on the admin API, for the audit store. */
export interface AdminAction {
  /** Its own id (the audit row's key). */
  id: string;
  /** ms since the epoch. */
  time: number;
  action: 'replay' | 'enable' | 'test';
  endpoint: string;
  /** Who: the admin API knows a bearer token, not a user: `admin` then. */
  actor: string;
  /** The operator's address and user agent. */
  addr: string;
  useragent: string;
  /** The registry process that served it (`source` of its events). */
  instance: string;
  source: string;
  /** What it did: the replayed event ids, the test event's id. */
  details: Record<string, unknown>;
}

export const EVENT_LOG_JOB_NAME = 'log';

const OPTIONS = {
  removeOnComplete: { age: 3_600, count: 10_000 },
  // A failed append (Redis busy, say) is tried again every second for a quarter of an hour. (The audit store
  // unreachable costs no attempt: the worker delays the job until it is back.)
  attempts: 900,
  backoff: { type: 'fixed', delay: 1_000 },
} as const;

/** Adds the events (non-empty, in order) to the event-log queue; the id derives from them, as a delivery job's. */
export function addEventLogJob(queue: Queue<EventLogJob>, events: Event[]): Promise<unknown> {
  return queue.add(EVENT_LOG_JOB_NAME, { events }, { ...OPTIONS, jobId: deliveryJobId(events) });
}

/** Adds an admin action to the event-log queue (its job id is the action's id). */
export function addAdminActionJob(queue: Queue<EventLogJob>, action: AdminAction): Promise<unknown> {
  return queue.add(EVENT_LOG_JOB_NAME, { events: [], actions: [action] }, { ...OPTIONS, jobId: `admin-${action.id}` });
}
