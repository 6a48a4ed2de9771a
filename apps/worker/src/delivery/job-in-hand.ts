import type { Job } from 'bullmq';
import type { DeliveryJob } from '@app/queue';

/**
 * A delivery job the worker holds while its events travel their lanes. It knows each event's attempts
 * (carried in the job's data, so that a job taken again after a crash keeps its retry budget) and resolves
 * `settled` once every event is delivered or dead-lettered. After a failed attempt the job's data is
 * rewritten (BullMQ's updateData) with the events still to go and their attempts.
 */
export class JobInHand {
  readonly settled: Promise<void>;
  private readonly open: Map<string, DeliveryJob['events'][number]>;
  private readonly attempts: Record<string, number>;
  private resolve!: () => void;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(readonly job: Job<DeliveryJob>) {
    this.open = new Map(job.data.events.map((event) => [event.id, event]));
    this.attempts = { ...job.data.attempts };
    this.settled = new Promise((resolve) => (this.resolve = resolve));
    if (this.open.size === 0) this.resolve();
  }

  get id(): string {
    return this.job.id!;
  }

  get done(): boolean {
    return this.open.size === 0;
  }

  /** Attempts already made for the event. */
  attemptsOf(eventId: string): number {
    return this.attempts[eventId] ?? 0;
  }

  /** The event was delivered or dead-lettered. */
  settle(eventId: string): void {
    if (this.open.delete(eventId) && this.open.size === 0) this.resolve();
  }

  /** The event's attempt `attempt` failed and it will be tried again: the job's data says so. */
  failed(eventId: string, attempt: number): Promise<void> {
    this.attempts[eventId] = attempt;
    const data: DeliveryJob = { events: [...this.open.values()], attempts: { ...this.attempts } };
    this.writes = this.writes.then(() => this.job.updateData(data)).catch(() => undefined);
    return this.writes.then(() => undefined);
  }
}
