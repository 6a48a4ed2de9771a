import type { Event } from '@app/events';
import type { JobInHand } from './job-in-hand.js';

/** `notifications.endpoints[].ordering`. */
export type Ordering = 'repository' | 'endpoint' | 'none';

/** One event waiting in its lane, with the job it came in. */
export interface Pending {
  event: Event;
  job: JobInHand;
}

/**
 * The lane an event travels in: one per repository (`repository`), one for the endpoint (`endpoint`), or
 * one for all (`none`), whose envelopes do not wait for each other.
 */
export function laneOf(ordering: Ordering, event: Event): string {
  return ordering === 'repository' ? `repository:${event.target.repository}` : ordering;
}

/**
 * Jobs a worker holds at once for an endpoint, and whether that holds across every worker (BullMQ's global
 * concurrency). `endpoint`: one job at a time across all workers, so that order survives several workers and
 * crashes. Otherwise JOBS_IN_HAND per worker: jobs wait in hand while their lanes move, and a lane whose
 * backlog fills them all holds back the others too.
 */
export function jobsAtOnce(ordering: Ordering): { count: number; global: boolean } {
  return ordering === 'endpoint' ? { count: 1, global: true } : { count: JOBS_IN_HAND, global: false };
}

export const JOBS_IN_HAND = 256;

export interface LaneStages {
  /** The lane's next envelope (its first events; they stay in the lane). */
  take(lane: readonly Pending[]): Promise<Pending[]>;
  /** Delivers an envelope until each event is settled; false when delivery stopped first (the worker closes). */
  deliver(envelope: readonly Pending[]): Promise<boolean>;
}

/**
 * The lanes of one endpoint. `push` appends events to their lane and starts a driver for a lane that has
 * none. Ordered (`repository`, `endpoint`): a lane's envelope leaves it once delivered, and only then does the
 * next go, so the events of one lane reach the endpoint in the order they were pushed, however often one is
 * retried. Unordered (`none`): envelopes leave the lane as they are taken and go side by side. Lanes always
 * go side by side; the sender bounds the requests in flight.
 */
export class Lanes {
  private readonly lanes = new Map<string, Pending[]>();
  private readonly running = new Set<Promise<unknown>>();

  private readonly ordered: boolean;

  constructor(
    private readonly ordering: Ordering,
    private readonly stages: LaneStages,
  ) {
    this.ordered = ordering !== 'none';
  }

  /** The event joins its lane (see laneOf). */
  add(pending: Pending): void {
    this.push(laneOf(this.ordering, pending.event), [pending]);
  }

  private push(key: string, items: readonly Pending[]): void {
    const lane = this.lanes.get(key);
    if (lane) {
      lane.push(...items);
      return;
    }
    const fresh = [...items];
    this.lanes.set(key, fresh);
    this.track(this.drive(key, fresh));
  }

  /** Resolves once nothing is being delivered (after delivery stopped: once the attempts in flight are done). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async drive(key: string, lane: Pending[]): Promise<void> {
    // When delivery stops, the events left are released with their jobs by the delivery.
    // The events pushed in the same turn (a job's) join the lane before its first envelope is taken.
    await Promise.resolve();
    while (lane.length > 0) {
      const envelope = await this.stages.take(lane);
      if (!this.ordered) {
        lane.splice(0, envelope.length);
        this.track(this.stages.deliver(envelope));
      } else if (await this.stages.deliver(envelope)) lane.splice(0, envelope.length);
      else break;
    }
    this.lanes.delete(key);
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }
}
