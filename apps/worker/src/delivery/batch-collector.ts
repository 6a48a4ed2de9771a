import type { Job, Queue } from 'bullmq';
import type { DeliveryJob } from '@app/queue';

const POLL_MS = 5;

/** `items` in runs of `size` (the last may be shorter), in order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/**
 * Unordered batching: gathers the jobs BullMQ's worker hands to the processor (its concurrency is sized to
 * hold several batches) into one attempt, once they hold `size` events or `waitMs` after the first of them,
 * and gives each job its own result. Every job stays an ordinary BullMQ job: the worker renews its lock
 * while it waits here and finishes it (fetching the next one in the same call) when its promise settles.
 * With `size` 1 each job is attempted alone, at once.
 */
export class JobBatcher<Item, Result> {
  private pending: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private events = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly size: number,
    private readonly waitMs: number,
    /** How many events an item brings. */
    private readonly eventsOf: (item: Item) => number,
    /** One attempt of the items; a result for each, in their order. */
    private readonly attempt: (items: Item[]) => Promise<Result[]>,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.events += this.eventsOf(item);
      if (this.events >= this.size) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.waitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.events = 0;
    this.attempt(batch.map((entry) => entry.item)).then(
      (results) => batch.forEach((entry, index) => entry.resolve(results[index]!)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}

/**
 * Ordered batch: the next `count` jobs of the wait list (each holds at least one event), in queue order, read without being taken. They
 * are safe from other workers while the batch's first job is active, because an ordered queue's global
 * concurrency is 1 (nothing else moves to `active`); once delivered they are removed, otherwise they simply
 * stay first in line behind the head job, which carries the retry schedule.
 */
export async function peekWaitingJobs(queue: Queue<DeliveryJob>, count: number, waitMs: number): Promise<Job<DeliveryJob>[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    // Oldest first: the order in which workers would take them.
    const jobs = await queue.getWaiting(0, count - 1);
    if (jobs.length >= count || Date.now() >= deadline) return jobs.filter((job) => !!job);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
