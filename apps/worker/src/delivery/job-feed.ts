import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, Worker } from 'bullmq';
import type { Logger } from '@app/logging';

/** A job taken, with the token that holds its lock. */
export interface TakenJob<T> {
  job: Job<T>;
  token: string;
}

/** Pause after a take that failed (Redis unreachable, say). An empty take has waited already (it blocks). */
const RETRY_MS = 100;

/**
 * Takes an endpoint's jobs one at a time, in queue order, at most `limit` in hand, and keeps their locks
 * while they are held: BullMQ's manual processing (`getNextJob`, `extendLock`, the stalled checker). The lanes
 * need jobs in queue order; BullMQ's own processing loop hands them to a processor slightly out of it (it
 * also takes the next job as it completes one).
 */
export class JobFeed<T> {
  /** In the order taken. */
  private readonly held = new Map<string, TakenJob<T>>();
  private slotFreed = (): void => undefined;
  private stopped = false;
  private running?: Promise<void>;
  private renewal?: NodeJS.Timeout;

  constructor(
    private readonly worker: Worker<T>,
    private readonly options: { limit: number; lockMs: number; logger: Logger },
    private readonly take: (taken: TakenJob<T>) => void,
  ) {}

  start(): void {
    this.running = this.loop();
    this.renewal = setInterval(() => void this.renewLocks(), this.options.lockMs / 2);
    void this.worker.startStalledCheckTimer().catch(() => undefined);
  }

  /** The job left the hand (completed, or put back). */
  release(job: Job<T>): void {
    this.held.delete(job.id!);
    this.slotFreed();
  }

  /** Jobs in hand, in the order they were taken. */
  inHand(): TakenJob<T>[] {
    return [...this.held.values()];
  }

  /** Takes no more jobs; resolves once the take in flight is over (a job it brings is put back at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.slotFreed();
    clearInterval(this.renewal);
    await this.running;
  }

  private async loop(): Promise<void> {
    let sequence = 0;
    while (!this.stopped) {
      if (this.held.size >= this.options.limit) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      const token = `${this.worker.id}:${sequence++}`;
      const job = await this.worker.getNextJob(token).catch(async (error: unknown) => {
        this.options.logger.debug({ err: error }, 'taking a delivery job failed');
        await sleep(RETRY_MS);
        return undefined;
      });
      if (!job) continue;
      if (this.stopped) await job.moveToWait(token).catch(() => undefined);
      else {
        this.held.set(job.id!, { job, token });
        this.take({ job, token });
      }
    }
  }

  /** A lock that cannot be renewed lapses: BullMQ's stalled check then gives the job to another worker. */
  private async renewLocks(): Promise<void> {
    const { lockMs } = this.options;
    await Promise.allSettled(this.inHand().map(({ job, token }) => job.extendLock(token, lockMs)));
  }
}
