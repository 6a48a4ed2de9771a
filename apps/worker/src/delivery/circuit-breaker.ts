/**
 * What the breaker says about the job the worker just handed us: attempt it (as the probe, maybe), hold it
 * for a while, or wait for the probe in flight (`probed` settles with it) and ask again.
 */
export type Admission = { kind: 'attempt'; probe: boolean } | { kind: 'hold'; forMs: number } | { kind: 'await'; probed: Promise<void> };

/** First and longest wait between probes of an open breaker (ms); the wait doubles after each failed probe. */
export const PROBE_BACKOFF_MIN_MS = 1_000;
export const PROBE_BACKOFF_MAX_MS = 60_000;
/** The breaker never opens on fewer consecutive failures than this, whatever `failingafter` says (alerts may come sooner). */
export const MIN_OPEN_AFTER = 5;

/**
 * One endpoint's circuit breaker, in this worker process. Closed: every job is attempted. After
 * max(`failingAfter`, 5) consecutive failed attempts (any non-delivered outcome) it opens: one probe attempt is let
 * through per backoff interval (1 s, doubling, at most 60 s) and every other job is held without an attempt
 * (jobs taken while the probe is in flight wait for its outcome instead, so that they go at once after a
 * delivered probe rather than from the queue after a hold).
 * A delivered probe (or any delivered attempt) closes it; a failed probe reopens it with a longer wait.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private backoff = PROBE_BACKOFF_MIN_MS;
  /** The probe in flight: jobs taken meanwhile wait for it, then go at once if it was delivered. */
  private probing?: { promise: Promise<void>; resolve: () => void };

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
    if (this.probing) return { kind: 'await', probed: this.probing.promise };
    const wait = this.openUntil - this.now();
    if (wait > 0) return { kind: 'hold', forMs: wait };
    let resolve = (): void => undefined;
    this.probing = { promise: new Promise<void>((settled) => (resolve = settled)), resolve };
    return { kind: 'attempt', probe: true };
  }

  /** The outcome of an admitted attempt. */
  settle(delivered: boolean, probe: boolean): void {
    if (probe) {
      this.probing?.resolve();
      this.probing = undefined;
    }
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
