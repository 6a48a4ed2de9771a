import type { MailReport } from './mail-report.js';

const OVERFLOW: MailReport = {
  fingerprint: 'buffer-overflow',
  subject: 'errors not mailed: the mail buffer was full',
  text: 'More distinct errors occurred at once than the mail buffer holds; the count of those not mailed is in the follow-up.\n',
};

/** Hands a report with its occurrence count to Redis; rejects when it could not. */
export type ReportSink = (report: MailReport, count: number) => Promise<void>;

export interface ReportBufferOptions {
  /** Most distinct fingerprints held in memory; past it, new fingerprints are counted as dropped. */
  capacity?: number;
  /** First and longest delay before retrying a hand-off that failed (Redis down). */
  retryDelay?: number;
  maxRetryDelay?: number;
  /** Least time between two flushes: a steady stream of errors becomes a few hand-offs a second. */
  minInterval?: number;
}

/**
 * The in-process side of the mail path: `add` only counts (no I/O, never throws); one flush at a time hands
 * each fingerprint's count to the sink, so a storm of identical errors becomes one Redis call per flush, not
 * one per error. What the sink refuses is kept (counts merged) and retried with backoff; the buffer is bounded.
 */
export class ReportBuffer {
  private pending = new Map<string, { report: MailReport; count: number }>();
  private dropped = 0;
  private flushing = false;
  private timer?: NodeJS.Timeout;
  private retryDelay: number;
  private readonly capacity: number;
  private readonly maxRetryDelay: number;
  private readonly firstRetryDelay: number;
  private readonly minInterval: number;
  private lastFlush = 0;

  constructor(
    private readonly sink: ReportSink,
    options: ReportBufferOptions = {},
  ) {
    this.capacity = options.capacity ?? 256;
    this.firstRetryDelay = this.retryDelay = options.retryDelay ?? 1_000;
    this.maxRetryDelay = options.maxRetryDelay ?? 30_000;
    this.minInterval = options.minInterval ?? 250;
  }

  /** Counts one occurrence; schedules a flush (on the next turn of the event loop when none ran lately). */
  add(report: MailReport, count = 1): void {
    const entry = this.pending.get(report.fingerprint);
    if (entry) entry.count += count;
    else if (this.pending.size < this.capacity) this.pending.set(report.fingerprint, { report, count });
    else this.dropped += count;
    this.schedule(Math.max(0, this.lastFlush + this.minInterval - Date.now()));
  }

  /** Counts more occurrences of a fingerprint already held; false when it is not held (then `add` the report). */
  increment(fingerprint: string, count = 1): boolean {
    const entry = this.pending.get(fingerprint);
    if (!entry) return false;
    entry.count += count;
    return true;
  }

  /** Occurrences dropped because the buffer was full (never silently: also mailed as a count). */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Resolves once everything held has been handed off, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while ((this.pending.size > 0 || this.flushing) && Date.now() < deadline) {
      if (!this.flushing) void this.flush();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.pending.size === 0 && !this.flushing;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delay: number): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    this.lastFlush = Date.now();
    const batch = this.pending;
    this.pending = new Map();
    if (this.dropped > 0) {
      batch.set(OVERFLOW.fingerprint, { report: OVERFLOW, count: this.dropped });
      this.dropped = 0;
    }
    const results = await Promise.allSettled([...batch.values()].map(({ report, count }) => this.sink(report, count)));
    let failed = false;
    [...batch.values()].forEach((entry, index) => {
      if (results[index].status === 'fulfilled') return;
      failed = true;
      const current = this.pending.get(entry.report.fingerprint);
      if (current) current.count += entry.count;
      else if (this.pending.size < this.capacity) this.pending.set(entry.report.fingerprint, entry);
      else this.dropped += entry.count;
    });
    this.flushing = false;
    this.retryDelay = failed ? Math.min(this.retryDelay * 2, this.maxRetryDelay) : this.firstRetryDelay;
    if (this.pending.size > 0)
      this.schedule(failed ? this.retryDelay : Math.max(0, this.lastFlush + this.minInterval - Date.now()));
  }
}
