import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, cleanupAfterEach } from '@app/testing';
import { expectDistributionEnvelopes, TEST_SECRET } from './envelope-checks.js';
import { headPulls, ImageSet } from './images.js';
import { QUICK_SCHEDULE, SystemUnderTest } from './system-harness.js';
import { WebhookSink } from './webhook-sink.js';

// Whole system as processes (`npm run build` first): Redis (own, AOF), registry, worker, receivers on
// loopback, real skopeo. The worker dies by SIGKILL while attempts are in flight at two endpoints (one with
// no ordering, one `ordered`); a new worker delivers everything, the ordered endpoint still in order.

const cleanups = cleanupAfterEach(afterEach);

describe('system: worker killed mid-delivery', () => {
  it('every accepted event arrives after SIGKILL of the worker and a new worker start', async () => {
    const images = await ImageSet.build(3);
    cleanups.push(() => images.remove());
    const sink = await WebhookSink.start('stall');
    cleanups.push(() => sink.stop());
    const fifo = await WebhookSink.start('stall');
    cleanups.push(() => fifo.stop());
    // The timeout keeps attempts in flight (the sinks never answer) long enough to kill the worker among them.
    const endpoint = { timeout: '1500ms', schedule: QUICK_SCHEDULE, secret: [TEST_SECRET] };
    const system = await SystemUnderTest.start({
      endpoints: [
        { name: 'hook', url: sink.url, ordering: 'none', ...endpoint },
        { name: 'fifo', url: fifo.url, ordered: true, ...endpoint },
      ],
    });
    cleanups.push(() => system.dispose());

    for (let index = 0; index < images.images.length; index++) await images.push(system.registry, index);
    const pulls = await headPulls(system.registry, 'system/app', 'img-0', 10);
    expect(pulls).toBe(10);
    const expected = images.images.length * images.eventsPerPush + pulls;
    const accepted = await system.acceptedIds(expected);
    expect(accepted.size).toBe(expected);

    await waitFor(() => sink.pending >= 2 && fifo.pending === 1, {
      timeout: 10_000,
      what: 'attempts in flight at both sinks',
    });
    const inFlight = [...sink.pendingIds(), ...fifo.pendingIds()];
    await system.worker.kill('SIGKILL');
    const killedAt = Date.now();
    expect(sink.ids().size + fifo.ids().size).toBe(0);

    await sink.setMode('ok');
    await fifo.setMode('ok');
    await system.startWorker();
    await sink.waitForAll(accepted, 45_000);
    await fifo.waitForAll(accepted, 10_000);
    console.log(
      `worker SIGKILLed with ${inFlight.length} attempts in flight; all ${accepted.size} events delivered ${Date.now() - killedAt} ms later`,
    );
    // The attempts cut by the crash were made again (BullMQ's stalled-job check put their jobs back).
    const delivered = new Set([...sink.ids(), ...fifo.ids()]);
    expect(inFlight.filter((id) => !delivered.has(id))).toEqual([]);
    expect([...delivered].every((id) => accepted.has(id))).toBe(true);
    // The ordered endpoint received each event first in the order the registry accepted them.
    const order = fifo.events().map((event) => event.id);
    const firsts = order.filter((id, index) => order.indexOf(id) === index);
    expect(firsts).toEqual((await system.eventLog()).map((event) => event.id));
    for (const name of ['hook', 'fifo']) expect(await system.deadLetterCount(name)).toBe(0);
    expectDistributionEnvelopes(sink, TEST_SECRET);
    expectDistributionEnvelopes(fifo, TEST_SECRET);
  }, 60_000);
});
