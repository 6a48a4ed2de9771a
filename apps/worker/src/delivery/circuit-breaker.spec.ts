import { describe, expect, it } from 'vitest';
import { CircuitBreaker, PROBE_BACKOFF_MAX_MS, PROBE_BACKOFF_MIN_MS } from './circuit-breaker.js';

const THRESHOLD = 3;

/** A breaker on a clock the test moves, opened at t = 0. */
async function openBreaker(): Promise<{ breaker: CircuitBreaker; clock: { now: number } }> {
  const clock = { now: 0 };
  const breaker = new CircuitBreaker(THRESHOLD, () => clock.now);
  for (let failure = 0; failure < THRESHOLD; failure++) {
    expect(await breaker.admit()).toBe(false);
    breaker.settle(false, false);
  }
  expect(breaker.open).toBe(true);
  return { breaker, clock };
}

/** Whether the promise has settled after the pending microtasks and `ms` of real time. */
async function settledWithin<T>(promise: Promise<T>, ms = 5): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

describe('CircuitBreaker', () => {
  it('stays closed below its threshold, and a delivery resets the count', async () => {
    const breaker = new CircuitBreaker(THRESHOLD);
    for (let i = 0; i < THRESHOLD - 1; i++) breaker.settle(false, await breaker.admit());
    breaker.settle(true, await breaker.admit());
    for (let i = 0; i < THRESHOLD - 1; i++) breaker.settle(false, await breaker.admit());
    expect(breaker.open).toBe(false);
  });

  it('opens at its threshold, holds attempts for the backoff, then lets one probe through', async () => {
    const { breaker, clock } = await openBreaker();
    expect(breaker.nextProbeAt).toBe(PROBE_BACKOFF_MIN_MS);
    const waiting = breaker.admit();
    expect(await settledWithin(waiting)).toBe(false);
    clock.now = PROBE_BACKOFF_MIN_MS;
    // The waiter's timer was set for the backoff on the real clock; a new admit sees the probe due at once.
    expect(await breaker.admit()).toBe(true);
    const second = breaker.admit();
    expect(await settledWithin(second)).toBe(false);
    breaker.settle(true, true);
    expect(await second).toBe(false);
    expect(breaker.open).toBe(false);
  });

  it('doubles the wait after each failed probe, up to the longest', async () => {
    const { breaker, clock } = await openBreaker();
    const waits: number[] = [];
    for (let probe = 0; probe < 10; probe++) {
      clock.now += PROBE_BACKOFF_MAX_MS;
      expect(await breaker.admit()).toBe(true);
      breaker.settle(false, true);
      waits.push(breaker.nextProbeAt - clock.now);
    }
    expect(waits.slice(0, 4)).toEqual([2, 4, 8, 16].map((factor) => factor * PROBE_BACKOFF_MIN_MS));
    expect(waits.at(-1)).toBe(PROBE_BACKOFF_MAX_MS);
  });

  it('rejects a waiting admission when its signal aborts', async () => {
    const { breaker } = await openBreaker();
    const closing = new AbortController();
    const waiting = breaker.admit(closing.signal);
    closing.abort();
    await expect(waiting).rejects.toThrow();
  });
});
