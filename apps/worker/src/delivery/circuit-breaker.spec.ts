import { describe, expect, it } from 'vitest';
import { CircuitBreaker, MIN_OPEN_AFTER, PROBE_BACKOFF_MIN_MS } from './circuit-breaker.js';

/** A breaker on a clock the test moves, opened by MIN_OPEN_AFTER failures at t = 0. */
function openBreaker(): { breaker: CircuitBreaker; clock: { now: number } } {
  const clock = { now: 0 };
  const breaker = new CircuitBreaker(1, () => clock.now);
  for (let failure = 0; failure < MIN_OPEN_AFTER; failure++) {
    expect(breaker.admit()).toEqual({ kind: 'attempt', probe: false });
    breaker.settle(false, false);
  }
  expect(breaker.open).toBe(true);
  return { breaker, clock };
}

describe('CircuitBreaker', () => {
  it('holds jobs until the probe is due, then lets one probe through', () => {
    const { breaker, clock } = openBreaker();
    expect(breaker.admit()).toEqual({ kind: 'hold', forMs: PROBE_BACKOFF_MIN_MS });
    clock.now = PROBE_BACKOFF_MIN_MS;
    expect(breaker.admit()).toEqual({ kind: 'attempt', probe: true });
  });

  it('makes the jobs taken during a probe wait for it; after a delivered probe they are attempted', async () => {
    const { breaker, clock } = openBreaker();
    clock.now = PROBE_BACKOFF_MIN_MS;
    breaker.admit();
    const waiting = breaker.admit();
    expect(waiting.kind).toBe('await');
    let settled = false;
    void (waiting as { probed: Promise<void> }).probed.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);

    breaker.settle(true, true);
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(breaker.open).toBe(false);
    expect(breaker.admit()).toEqual({ kind: 'attempt', probe: false });
  });

  it('after a failed probe, holds the jobs that waited for it for twice the wait', async () => {
    const { breaker, clock } = openBreaker();
    clock.now = PROBE_BACKOFF_MIN_MS;
    breaker.admit();
    const waiting = breaker.admit() as { kind: 'await'; probed: Promise<void> };
    breaker.settle(false, true);
    await waiting.probed;
    expect(breaker.admit()).toEqual({ kind: 'hold', forMs: 2 * PROBE_BACKOFF_MIN_MS });
  });
});
