import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryKeys } from '@app/records';
import { waitFor, cleanupAfterEach } from '@app/testing';
import { expectDistributionEnvelopes } from './envelope-checks.js';
import { headPulls } from './images.js';
import { PREFIX, startHookSystem } from './system-harness.js';

// While an endpoint's circuit breaker is open, the registry parks its new events (a Redis list) instead of
// adding BullMQ jobs. Parked events are as durable as jobs: here the worker dies by SIGKILL, the registry is
// restarted and Redis (AOF) is killed and restarted while events are parked; a worker that delivers them
// straight from the list is killed by SIGKILL mid-round; once the endpoint is back and a worker runs, every
// accepted event arrives and none is dead-lettered.

const cleanups = cleanupAfterEach(afterEach);

describe('system: a dead endpoint parked across process deaths', () => {
  it('delivers every parked event after SIGKILL of the worker (also mid-delivery of them), a registry restart and a Redis crash', async () => {
    const { images, sink, system } = await startHookSystem(cleanups, { images: 3, sink: 'down' });
    const parked = (): Promise<number> => system.client.llen(DeliveryKeys.parked(PREFIX, 'hook'));

    // The first push's events fail against the closed port until the breaker opens and the worker flags it.
    await images.push(system.registry, 0);
    await waitFor(async () => (await system.client.exists(DeliveryKeys.parking(PREFIX, 'hook'))) === 1, { timeout: 15_000, what: 'the parking flag' });
    await images.push(system.registry, 1);
    const pulls = await headPulls(system.registry, 'system/app', 'img-1', 5);
    await waitFor(async () => (await parked()) > 0, { what: 'parked events' });

    await system.worker.kill();
    await system.registry.stop();
    await system.registry.start();
    await system.redis.restart();
    await images.push(system.registry, 2);
    const accepted = await system.acceptedIds(3 * images.eventsPerPush + pulls);
    expect(accepted.size).toBe(3 * images.eventsPerPush + pulls);
    expect(await parked()).toBeGreaterThan(0);
    expect(sink.ids().size).toBe(0);

    // A new worker delivers the parked events straight from the list; it dies by SIGKILL while those POSTs hang,
    // before the round's entries left the list.
    const parkedIds = new Set((await system.client.lrange(DeliveryKeys.parked(PREFIX, 'hook'), 0, -1)).flatMap((entry) => (JSON.parse(entry) as { events: { id: string }[] }).events.map((event) => event.id)));
    await sink.setMode('stall');
    await system.startWorker();
    await waitFor(() => sink.pendingIds().some((id) => parkedIds.has(id)), { timeout: 10_000, what: 'parked events in flight at the sink' });
    await system.worker.kill();
    expect(await parked()).toBeGreaterThan(0);

    await sink.setMode('ok');
    await system.startWorker();
    await sink.waitForAll(accepted, 40_000);
    // A round leaves the list after its attempts are recorded, a moment after its last event arrived.
    await waitFor(async () => (await parked()) === 0, { timeout: 10_000, what: 'the parked list emptied' });
    expect(await system.deadLetterCount('hook')).toBe(0);
    expectDistributionEnvelopes(sink);
  }, 90_000);
});
