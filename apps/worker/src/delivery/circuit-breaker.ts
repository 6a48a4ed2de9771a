/** First and longest wait between probes of an open breaker (ms); the wait doubles after each failed probe. */
export const PROBE_BACKOFF_MIN_MS = 1_000;
export const PROBE_BACKOFF_MAX_MS = 60_000;

/**
 * One endpoint's circuit breaker, in this worker process. Closed: every attempt goes. After `threshold`
 * consecutive failed attempts (`breaker.threshold`) it opens: one probe attempt goes per backoff interval
 * (1 s, doubling, at most 60 s) and every other attempt waits in `admit`. A delivered attempt closes it (the
 * waiting attempts go at once); a failed probe opens it again for longer. The worker takes no more jobs
 * than it holds at once (see jobsAtOnce), so a dead endpoint costs those and its probes, nothing per event.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private backoff = PROBE_BACKOFF_MIN_MS;
  private probing = false;
  private wake = signal();

  constructor(
    private readonly threshold: number,
    private readonly now: () => number = Date.now,
  ) {}

  get open(): boolean {
    return this.failures >= this.threshold;
  }

  /** When the open breaker lets its next probe go (ms since the epoch, on its clock). */
  get nextProbeAt(): number {
    return this.openUntil;
  }

  /** Resolves when an attempt may go: `true` when it is the open breaker's probe. Rejects when `signal` aborts. */
  async admit(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      signal?.throwIfAborted();
      if (!this.open) return false;
      const wait = this.openUntil - this.now();
      if (!this.probing && wait <= 0) {
        this.probing = true;
        return true;
      }
      await this.changed(this.probing ? undefined : wait, signal);
    }
  }

  /** The outcome of an admitted attempt. */
  settle(delivered: boolean, probe: boolean): void {
    if (probe) this.probing = false;
    if (delivered) {
      this.failures = 0;
      this.backoff = PROBE_BACKOFF_MIN_MS;
    } else {
      this.failures++;
      if (this.open) {
        if (probe) this.backoff = Math.min(this.backoff * 2, PROBE_BACKOFF_MAX_MS);
        this.openUntil = Math.max(this.openUntil, this.now() + this.backoff);
      }
    }
    if (probe || !this.open) this.notify();
  }

  private notify(): void {
    this.wake.fire();
    this.wake = signal();
  }

  /** Until the next settle that may change the answer, or `ms`. */
  private async changed(ms: number | undefined, abort?: AbortSignal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort = (): void => undefined;
    const waits: Promise<unknown>[] = [this.wake.fired];
    if (ms !== undefined) waits.push(new Promise((resolve) => (timer = setTimeout(resolve, ms))));
    if (abort) waits.push(new Promise<void>((resolve) => abort.addEventListener('abort', (onAbort = () => resolve()))));
    try {
      await Promise.race(waits);
    } finally {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
    }
  }
}

/** A one-shot wake-up. */
function signal(): { fired: Promise<void>; fire: () => void } {
  let fire = (): void => undefined;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fired, fire };
}
