import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, cleanupAfterEach } from '@app/testing';
import { RegistryClient } from '../support/index.js';
import { expectDistributionEnvelopes } from './envelope-checks.js';
import { headPulls } from './images.js';
import { startHookSystem } from './system-harness.js';

// distribution 2.8.2 keeps queued events in memory and loses them all when it restarts while an endpoint is
// down (shared/reference/README.md). Here the registry and the worker are both restarted while the endpoint
// refuses connections; once it is back, every event accepted before and after the restarts arrives.

const cleanups = cleanupAfterEach(afterEach);

describe('system: registry restarted while the endpoint is down', () => {
  it('loses no queued event across a registry SIGTERM/restart and a worker restart', async () => {
    const { images, sink, system } = await startHookSystem(cleanups, { images: 3, sink: 'down' });

    await images.push(system.registry, 0);
    await images.push(system.registry, 1);
    const pulls = await headPulls(system.registry, 'system/app', 'img-1', 5);
    const before = await system.acceptedIds(2 * images.eventsPerPush + pulls);
    // Events are queued and their deliveries failing (connection refused), not yet given up.
    await waitFor(
      async () => (await system.attempts('hook')).some((attempt) => attempt.outcome === 'retry' && attempt.error),
      {
        timeout: 10_000,
        what: 'failed attempts against the closed port',
      },
    );

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

/** Concurrent HEAD pulls, each with its own User-Agent (which its event carries); keeps those answered 200. */
class PullLoad {
  readonly acknowledged = new Set<string>();
  private stopped = false;
  private sequence = 0;
  readonly done: Promise<unknown>;

  constructor(base: string, loops: number) {
    const client = new RegistryClient(base);
    this.done = Promise.all(Array.from({ length: loops }, () => this.loop(client)));
  }

  stop(): void {
    this.stopped = true;
  }

  private async loop(client: RegistryClient): Promise<void> {
    while (!this.stopped) {
      const agent = `system-test/${(this.sequence += 1)}`;
      try {
        const response = await client.head('/v2/system/app/manifests/img-0', {
          accept: 'application/vnd.oci.image.manifest.v1+json',
          'user-agent': agent,
        });
        if (response.status === 200) this.acknowledged.add(agent);
      } catch {
        return;
      }
    }
  }
}

describe('system: registry killed while serving', () => {
  it('every request answered before a SIGKILL has its event delivered', async () => {
    const { images, sink, system } = await startHookSystem(cleanups, { images: 1, sink: 'ok' });
    await images.push(system.registry, 0);

    const load = new PullLoad(system.registry.url, 4);
    cleanups.push(() => load.stop());
    await waitFor(() => load.acknowledged.size >= 60, { timeout: 20_000, what: 'pulls answered' });
    await system.registry.kill('SIGKILL');
    load.stop();
    await load.done;
    await system.registry.start();

    const agents = () => new Set(sink.events().map((event) => event.request.useragent));
    await waitFor(() => [...load.acknowledged].every((agent) => agents().has(agent)), {
      timeout: 30_000,
      what: `events of ${load.acknowledged.size} answered pulls`,
    });
    const accepted = new Set((await system.eventLog()).map((event) => event.id));
    expect([...sink.ids()].every((id) => accepted.has(id))).toBe(true);
    expectDistributionEnvelopes(sink);
  }, 60_000);
});
