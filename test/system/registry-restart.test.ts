import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@app/testing';
import { expectDistributionEnvelopes } from './envelope-checks.js';
import { headPulls, ImageSet } from './images.js';
import { QUICK_SCHEDULE, SystemUnderTest } from './system-harness.js';
import { WebhookSink } from './webhook-sink.js';

// distribution 2.8.2 keeps queued events in memory and loses them all when it restarts while an endpoint is
// down (shared/reference/README.md). Here the registry and the worker are both restarted while the endpoint
// refuses connections; once it is back, every event accepted before and after the restarts arrives.

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

describe('system: registry restarted while the endpoint is down', () => {
  it('loses no queued event across a registry SIGTERM/restart and a worker restart', async () => {
    const images = await ImageSet.build(3);
    cleanups.push(() => images.remove());
    const sink = await WebhookSink.start('down');
    cleanups.push(() => sink.stop());
    const system = await SystemUnderTest.start({ endpoints: [{ name: 'hook', url: sink.url, timeout: '1s', schedule: QUICK_SCHEDULE }] });
    cleanups.push(() => system.dispose());

    await images.push(system.registry, 0);
    await images.push(system.registry, 1);
    const pulls = await headPulls(system.registry, 'system/app', 'img-1', 5);
    const before = await system.acceptedIds(2 * images.eventsPerPush + pulls);
    // Events are queued and their deliveries failing (connection refused), not yet given up.
    await waitFor(async () => (await system.attempts('hook')).some((attempt) => attempt.outcome === 'retry' && attempt.error), {
      timeout: 10_000,
      what: 'failed attempts against the closed port',
    });

    await system.registry.stop();
    expect(system.registry.running).toBe(false);
    await system.registry.start();
    await system.worker.stop();
    await system.startWorker();

    await images.push(system.registry, 2);
    const after = await system.acceptedIds(before.size + images.eventsPerPush);
    expect(after.size).toBe(before.size + images.eventsPerPush);
    expect(sink.ids().size).toBe(0);

    await sink.setMode('ok');
    await sink.waitForAll(after, 30_000);
    const instances = new Set(sink.events().map((event) => event.source.instanceID));
    expect(instances.size).toBe(2);
    expect([...before].every((id) => sink.ids().has(id))).toBe(true);
    expect(await system.deadLetterCount('hook')).toBe(0);
    expectDistributionEnvelopes(sink);
  }, 60_000);
});
