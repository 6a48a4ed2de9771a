import { afterEach, describe, expect, it } from 'vitest';
import { EndpointStateStore } from '@app/records';
import { waitFor, cleanupAfterEach } from '@app/testing';
import { expectDistributionEnvelopes } from './envelope-checks.js';
import { headPulls } from './images.js';
import { PREFIX, startHookSystem } from './system-harness.js';

// While an endpoint is dead its events wait as jobs in its own queue; the worker holds it (circuit breaker,
// BullMQ's rate limit) and probes it. Here the worker dies by SIGKILL, the registry is restarted and Redis
// (AOF) is killed and restarted while the endpoint is dead; a worker killed by SIGKILL while its attempts hang;
// once the endpoint is back and a worker runs, every accepted event arrives and none is dead-lettered.

const cleanups = cleanupAfterEach(afterEach);

describe('system: a dead endpoint across process deaths', () => {
  it('delivers every event after SIGKILL of the worker (also mid-delivery), a registry restart and a Redis crash', async () => {
    const { images, sink, system } = await startHookSystem(cleanups, { images: 3, sink: 'down' });
    const state = new EndpointStateStore(system.client, PREFIX);

    // The first push's events fail against the closed port until the endpoint is failing.
    await images.push(system.registry, 0);
    await waitFor(async () => (await state.get('hook')).state === 'failing', {
      timeout: 15_000,
      what: 'the endpoint failing',
    });
    await images.push(system.registry, 1);
    const pulls = await headPulls(system.registry, 'system/app', 'img-1', 5);

    await system.worker.kill();
    await system.registry.stop();
    await system.registry.start();
    await system.redis.restart();
    await images.push(system.registry, 2);
    const accepted = await system.acceptedIds(3 * images.eventsPerPush + pulls);
    expect(accepted.size).toBe(3 * images.eventsPerPush + pulls);
    expect(sink.ids().size).toBe(0);

    // A new worker's attempts hang at the sink; it dies by SIGKILL with them in flight.
    await sink.setMode('stall');
    await system.startWorker();
    await waitFor(() => sink.pendingIds().length > 0, { timeout: 10_000, what: 'attempts in flight at the sink' });
    await system.worker.kill();

    await sink.setMode('ok');
    await system.startWorker();
    await sink.waitForAll(accepted, 60_000);
    expect(await system.deadLetterCount('hook')).toBe(0);
    expectDistributionEnvelopes(sink);
  }, 120_000);
});
