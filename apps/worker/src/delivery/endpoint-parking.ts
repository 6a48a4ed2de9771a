import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@app/logging';
import type { Event } from '@app/events';
import { addDeliveryJob, jobEvents, PARKING_CHECK_MS, PARKING_FLAG_TTL_MS, type DeliveryJob } from '@app/queue';
import { DeliveryKeys } from '@app/records';
import { withTimeout } from '@app/async';
import { chunk } from './batch-collector.js';

/** Parked entries (group commits) moved into the queue per Redis round trip. */
const UNPARK_BATCH = 100;
/**
 * Parked entries delivered straight per round: at the 5 to 16 events a group commit holds under load, enough
 * for every connection of an endpoint with the default 16 to carry a full envelope of 100 events.
 */
const DELIVER_ROUND = 200;
/**
 * Events per job made from parked entries. A group commit holds a few events (5 to 16 under load); BullMQ's
 * cost is per job (a script to add it, one to finish it), so a backlog moved in as jobs of 100 drains
 * faster: measured with bench:worker, 45 % more events/s with `batch.size` 100, 60 % more one per POST.
 */
export const UNPARKED_JOB_EVENTS = 100;
/** The unparking lock lapses after this long without progress (a worker that died holding it). */
const LOCK_TTL_MS = 30_000;

/** A check cut short by close is safe: the lock lapses and a move made twice adds nothing twice. */
const CLOSE_WAIT_MS = 1_000;

/** Drops the moved entries, and renews the lock, only while the lock is still ours (else another worker moves them). */
const TRIM_IF_LOCKED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[2], ARGV[2], -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

const DELETE_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface ParkingOptions {
  prefix: string;
  endpoint: string;
  /** Whether the endpoint's new events should park now (its circuit breaker is open). */
  parks: () => boolean;
  logger: Logger;
  /** Called before a move adds jobs, with their events per job (the worker sizes its active jobs by it). */
  moving: (eventsPerJob: number) => void;
  /**
   * Delivers parked events straight (one attempt each) and returns those to try again, which become jobs.
   * Absent (an ordered endpoint), parked events are moved into the queue as jobs instead.
   */
  deliver?: (events: Event[]) => Promise<ParkedRetry[]>;
  /** How long a round of `deliver` may take (the unparking lock is held, and close waits for a round, at least this long). */
  roundMs?: number;
}

/** Parked events whose straight delivery is to be tried again: a job that carries the attempts made, due after `delayMs`. */
export interface ParkedRetry {
  events: Event[];
  attempts: number;
  delayMs: number;
}

/**
 * The worker's side of parking (libs/queue/src/parking.ts) for one endpoint. Every second: while the circuit
 * breaker is open, it keeps the endpoint's parking flag set, and when the queue has no job left to probe the
 * endpoint with, moves one parked entry in; once the breaker is closed, it clears the flag and empties the
 * list, oldest first, under a lock (one worker at a time), in one of two ways:
 *
 * - delivered straight (`deliver`, unordered endpoints), DELIVER_ROUND entries at a time: the round's events
 *   are sent (envelopes of `batch.size`, all at once), those that failed become jobs that carry their attempt
 *   (ParkedRetry), and only then do the entries leave the list. A crash in between delivers the round again
 *   (at least once); its retries' job ids derive from their events, so BullMQ adds nothing twice. A backlog
 *   thus costs no job per event: read once, sent, recorded, instead of written into jobs, read back and
 *   finished (bench:events: see the README). The rounds stop when the breaker opens again or the endpoint
 *   is disabled (its queue paused: then the rest is moved in, to wait there).
 * - moved into the queue (ordered endpoints, and the one-entry probe): their events joined into jobs of
 *   UNPARKED_JOB_EVENTS in order, added before the entries leave the list: a crash in between moves them again,
 *   and BullMQ adds nothing for an id it already holds. (The last job of a move made again may hold more
 *   events than the first time, when more were parked meanwhile, and so get another id: its events are then
 *   delivered twice, which at-least-once allows; none is lost.)
 */
export class EndpointParking {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private flagged = false;
  /** A check was asked for while one ran. */
  private again = false;
  private closed = false;
  private readonly token = randomUUID();
  private readonly keys: { flag: string; list: string; lock: string };

  constructor(
    private readonly queue: Queue<DeliveryJob>,
    private readonly redis: Redis,
    private readonly options: ParkingOptions,
  ) {
    const { prefix, endpoint } = options;
    this.keys = { flag: DeliveryKeys.parking(prefix, endpoint), list: DeliveryKeys.parked(prefix, endpoint), lock: DeliveryKeys.unparking(prefix, endpoint) };
  }

  start(): void {
    this.timer = setInterval(() => this.check(), PARKING_CHECK_MS);
    this.timer.unref();
    this.check();
  }

  /**
   * Stops the checks; one in flight is waited for at most CLOSE_WAIT_MS, or `roundMs` (with Redis away it
   * would wait for it). A round of straight delivery cut short stays parked: it is delivered again later.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (this.running) await withTimeout(this.running, Math.max(CLOSE_WAIT_MS, this.options.roundMs ?? 0), 'parked events check').catch(() => undefined);
  }

  /**
   * One check at a time; asked for while one runs (the breaker changed meanwhile), another follows it at once.
   * A failed one (Redis away) is logged and the next one tries again.
   */
  check(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.step()
      .catch((error: unknown) => this.options.logger.warn({ err: error, endpoint: this.options.endpoint }, 'parked events: check failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.closed) this.check();
      });
  }

  private async step(): Promise<void> {
    if (this.options.parks()) {
      await this.redis.set(this.keys.flag, this.token, 'PX', PARKING_FLAG_TTL_MS);
      this.flagged = true;
      if (await this.nothingToProbe()) await this.unpark(1);
      return;
    }
    if (this.flagged) {
      // Another worker whose breaker is still open keeps its own flag.
      await this.redis.eval(DELETE_IF_OURS, 1, this.keys.flag, this.token);
      this.flagged = false;
    }
    await this.unpark(Number.POSITIVE_INFINITY);
  }

  private async nothingToProbe(): Promise<boolean> {
    const counts = await this.queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
    return Object.values(counts).every((count) => count === 0);
  }

  /**
   * Takes up to `max` parked entries off the list, oldest first: all of them delivered straight or moved in,
   * one moved in (a probe). Emptying the list stops if the breaker opens again or the worker closes.
   */
  private async unpark(max: number): Promise<void> {
    if ((await this.redis.llen(this.keys.list)) === 0) return;
    const lockMs = Math.max(LOCK_TTL_MS, this.options.roundMs ?? 0);
    if ((await this.redis.set(this.keys.lock, this.token, 'PX', lockMs, 'NX')) === null) return;
    try {
      for (let taken = 0; taken < max && !this.closed; ) {
        const straight = max === Number.POSITIVE_INFINITY && this.options.deliver !== undefined && !(await this.queue.isPaused());
        const entries = await this.redis.lrange(this.keys.list, 0, Math.min(straight ? DELIVER_ROUND : UNPARK_BATCH, max - taken) - 1);
        if (entries.length === 0) return;
        const events = entries.flatMap((entry) => this.read(entry));
        await (straight ? this.deliver(events) : this.moveIn(events));
        const trimmed = await this.redis.eval(TRIM_IF_LOCKED, 2, this.keys.lock, this.keys.list, this.token, entries.length, lockMs);
        if (trimmed !== 1) return;
        taken += entries.length;
        if (max > 1 && this.options.parks()) return;
      }
    } finally {
      await this.redis.eval(DELETE_IF_OURS, 1, this.keys.lock, this.token);
    }
  }

  /** Events to the endpoint at once; those to try again become jobs (in order, up to UNPARKED_JOB_EVENTS each). */
  private async deliver(events: Event[]): Promise<void> {
    if (events.length === 0) return;
    const retries = await this.options.deliver!(events);
    await Promise.all(retries.flatMap(({ events: failed, ...retry }) => chunk(failed, UNPARKED_JOB_EVENTS).map((group) => addDeliveryJob(this.queue, group, retry))));
  }

  /** Events into the queue, joined in order into jobs of UNPARKED_JOB_EVENTS. */
  private async moveIn(events: Event[]): Promise<void> {
    if (events.length === 0) return;
    this.options.moving(Math.min(events.length, UNPARKED_JOB_EVENTS));
    await Promise.all(chunk(events, UNPARKED_JOB_EVENTS).map((group) => addDeliveryJob(this.queue, group)));
  }

  /** A parked entry's events; none when it cannot be read (not written by our registry: dropped, and said). */
  private read(entry: string): Event[] {
    try {
      return jobEvents(JSON.parse(entry) as DeliveryJob);
    } catch {
      this.options.logger.error({ endpoint: this.options.endpoint, entry: entry.slice(0, 1024) }, 'parked events: an unreadable entry was dropped');
      return [];
    }
  }
}
