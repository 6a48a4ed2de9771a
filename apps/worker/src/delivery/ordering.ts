import type { Event } from '@app/events';
import type { JobInHand } from './job-in-hand.js';

/** `notifications.endpoints[].ordering`. */
export type Ordering = 'repository' | 'endpoint' | 'none';

/** One event waiting in its lane, with the job it came in. */
export interface Pending {
  event: Event;
  job: JobInHand;
}

/** Where an event is: its job and its place in the job. */
export interface EventPlace {
  jobId: string;
  index: number;
}

/**
 * The lane an event travels in. Events of one lane reach the endpoint in the order the worker took them,
 * one envelope in flight; different lanes go side by side. `repository`: one lane per repository;
 * `endpoint`: one lane; `none`: each envelope's worth of a job's events (`batchSize`) is a lane of its own.
 */
export function laneOf(ordering: Ordering, event: Event, { jobId, index }: EventPlace, batchSize: number): string {
  if (ordering === 'repository') return `repository:${event.target.repository}`;
  if (ordering === 'endpoint') return 'endpoint';
  return `job:${jobId}:${Math.floor(index / batchSize)}`;
}

/**
 * The lanes of one endpoint. `push` appends events to their lane and starts a driver for a lane that has
 * none: it hands the lane to `deliverHead` (which removes the events it settled from the lane's head) until
 * the lane is empty or `deliverHead` says delivery stopped.
 */
export class Lanes {
  private readonly lanes = new Map<string, Pending[]>();
  private readonly drivers = new Set<Promise<void>>();

  constructor(private readonly deliverHead: (lane: Pending[]) => Promise<boolean>) {}

  push(key: string, items: readonly Pending[]): void {
    const lane = this.lanes.get(key);
    if (lane) {
      lane.push(...items);
      return;
    }
    const fresh = [...items];
    this.lanes.set(key, fresh);
    const driver = this.drive(key, fresh).finally(() => this.drivers.delete(driver));
    this.drivers.add(driver);
  }

  /** Resolves once no lane is being driven (after delivery stopped, once the attempts in flight are done). */
  async idle(): Promise<void> {
    while (this.drivers.size > 0) await Promise.allSettled([...this.drivers]);
  }

  private async drive(key: string, lane: Pending[]): Promise<void> {
    // When delivery stops (the worker closes) the lane's jobs are released by their owner.
    while (lane.length > 0 && (await this.deliverHead(lane)));
    this.lanes.delete(key);
  }
}
