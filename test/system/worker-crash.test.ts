import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@app/testing';
import { expectDistributionEnvelopes, TEST_SECRET } from './envelope-checks.js';
import { headPulls, ImageSet } from './images.js';
import { QUICK_SCHEDULE, SystemUnderTest } from './system-harness.js';
import { WebhookSink } from './webhook-sink.js';

// Whole system as processes (`npm run build` first): Redis (own, AOF), registry, worker, a receiver on
// loopback, real skopeo. The worker dies by SIGKILL while attempts are in flight; a new one delivers all.

let cleanups: (() => Promise<unknown> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // keep cleaning up the rest
    }
  }
  cleanups = [];
});

describe('system: worker killed mid-delivery', () => {
  it('every accepted event arrives after SIGKILL of the worker and a new worker start', async () => {
    const images = await ImageSet.build(3);
    cleanups.push(() => images.remove());
    const sink = await WebhookSink.start('stall');
    cleanups.push(() => sink.stop());
    // The timeout keeps attempts in flight (the sink never answers) long enough to kill the worker among them.
    const system = await SystemUnderTest.start({ endpoints: [{ name: 'hook', url: sink.url, timeout: '1500ms', schedule: QUICK_SCHEDULE, secret: [TEST_SECRET] }] });
    cleanups.push(() => system.dispose());

    for (let index = 0; index < images.images.length; index++) await images.push(system.registry, index);
    const pulls = await headPulls(system.registry, 'system/app', 'img-0', 10);
    expect(pulls).toBe(10);
    const expected = images.images.length * images.eventsPerPush + pulls;
    const accepted = await system.acceptedIds(expected);
    expect(accepted.size).toBe(expected);

    await waitFor(() => sink.pending >= 2, { timeout: 10_000, what: 'attempts in flight at the sink' });
    const inFlight = sink.pendingIds();
    await system.worker.kill('SIGKILL');
    const killedAt = Date.now();
    expect(inFlight.length).toBeGreaterThanOrEqual(2);

    await sink.setMode('ok');
    await system.startWorker();
    await sink.waitForAll(accepted, 45_000);
    console.log(`worker SIGKILLed with ${inFlight.length} attempts in flight; all ${accepted.size} events delivered ${Date.now() - killedAt} ms later`);
    // The attempts cut by the crash were made again (their jobs were active: BullMQ's stalled-job check put them back).
    expect(inFlight.filter((id) => !sink.ids().has(id))).toEqual([]);
    expect(sink.delivered.every((request) => request.receivedAt >= killedAt)).toBe(true);
    expect([...sink.ids()].every((id) => accepted.has(id))).toBe(true);
    expectDistributionEnvelopes(sink, TEST_SECRET);
    expect(await system.deadLetterCount('hook')).toBe(0);
  }, 60_000);
});
