/** What the breaker says about the job the worker just handed us. */
export type Admission = { kind: 'attempt'; probe: boolean } | { kind: 'hold'; forMs: number };

/** First and longest wait between probes of an open breaker (ms); the wait doubles after each failed probe. */
export const PROBE_BACKOFF_MIN_MS = 1_000;
export const PROBE_BACKOFF_MAX_MS = 60_000;
/**
 * How long other jobs are held while a probe is in flight: short, because the queue stays held that long after
 * a successful probe (a backlog waits behind it). While a slow probe lasts this costs one hold (a few Redis
 * calls) per interval; a probe of a dead endpoint usually fails at once (connection refused).
 */
const HOLD_DURING_PROBE_MS = 25;
/** The breaker never opens on fewer consecutive failures than this, whatever `failingafter` says (alerts may come sooner). */
export const MIN_OPEN_AFTER = 5;

/**
 * One endpoint's circuit breaker, in this worker process. Closed: every job is attempted. After
 * max(`failingAfter`, 5) consecutive failed attempts (any non-delivered outcome) it opens: one probe attempt is let
 * through per backoff interval (1 s, doubling, at most 60 s) and every other job is held without an attempt.
 * A delivered probe (or any delivered attempt) closes it; a failed probe reopens it with a longer wait.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private backoff = PROBE_BACKOFF_MIN_MS;
  private probing = false;

  private readonly openAfter: number;

  constructor(
    failingAfter: number,
    private readonly now: () => number = Date.now,
  ) {
    this.openAfter = Math.max(MIN_OPEN_AFTER, failingAfter);
  }

  get open(): boolean {
    return this.failures >= this.openAfter;
  }

  admit(): Admission {
    if (!this.open) return { kind: 'attempt', probe: false };
    if (this.probing) return { kind: 'hold', forMs: HOLD_DURING_PROBE_MS };
    const wait = this.openUntil - this.now();
    if (wait > 0) return { kind: 'hold', forMs: wait };
    this.probing = true;
    return { kind: 'attempt', probe: true };
  }

  /** The outcome of an admitted attempt. */
  settle(delivered: boolean, probe: boolean): void {
    if (probe) this.probing = false;
    if (delivered) {
      this.failures = 0;
      this.backoff = PROBE_BACKOFF_MIN_MS;
      return;
    }
    this.failures++;
    if (!this.open) return;
    if (probe) this.backoff = Math.min(this.backoff * 2, PROBE_BACKOFF_MAX_MS);
    this.openUntil = Math.max(this.openUntil, this.now() + this.backoff);
  }
}
