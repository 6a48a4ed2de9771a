import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, cleanupAfterEach } from '@app/testing';
import { RegistryClient } from '../support/index.js';
import { expectDistributionEnvelopes } from './envelope-checks.js';
import { ImageSet } from './images.js';
import { QUICK_SCHEDULE, SystemUnderTest } from './system-harness.js';
import { WebhookSink, type SinkMode } from './webhook-sink.js';

// Two endpoints; the second refuses connections or stalls every request. The first endpoint's delivery latency
// (event timestamp at the registry to arrival at its sink) stays close to its own baseline. Medians, with a
// generous bound: this proves isolation, it is not a benchmark.

const cleanups = cleanupAfterEach(afterEach);

const SAMPLES = 25;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/**
 * Makes `SAMPLES` pull events one at a time (a HEAD of the manifest), each waited for at the healthy sink
 * before the next, and returns their latencies (ms) and ids.
 */
async function measure(system: SystemUnderTest, healthy: WebhookSink): Promise<{ latencies: number[]; ids: string[] }> {
  const client = new RegistryClient(system.registry.url);
  const latencies: number[] = [];
  const ids: string[] = [];
  for (let index = 0; index < SAMPLES; index++) {
    const seen = healthy.delivered.length;
    const response = await client.head('/v2/system/app/manifests/img-0', {
      accept: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(response.status).toBe(200);
    await waitFor(() => healthy.delivered.length > seen, {
      timeout: 10_000,
      interval: 2,
      what: 'the pull event at the healthy endpoint',
    });
    const request = healthy.delivered[seen];
    const [event] = (JSON.parse(request.body) as { events: { id: string; timestamp: string }[] }).events;
    latencies.push(request.receivedAt - Date.parse(event.timestamp));
    ids.push(event.id);
  }
  return { latencies, ids };
}

describe('system: a failing endpoint does not slow another', () => {
  it.each<[string, SinkMode]>([
    ['refuses connections', 'down'],
    ['stalls every request', 'stall'],
  ])(
    'the healthy endpoint keeps its latency while the other %s',
    async (_label, mode) => {
      const images = await ImageSet.build(1);
      cleanups.push(() => images.remove());
      const healthy = await WebhookSink.start('ok');
      cleanups.push(() => healthy.stop());
      const failing = await WebhookSink.start('ok');
      cleanups.push(() => failing.stop());
      const endpoint = { timeout: '2s', schedule: QUICK_SCHEDULE };
      const system = await SystemUnderTest.start({
        endpoints: [
          { name: 'healthy', url: healthy.url, ...endpoint },
          { name: 'failing', url: failing.url, ...endpoint },
        ],
      });
      cleanups.push(() => system.dispose());
      await images.push(system.registry, 0);
      await healthy.waitForAll(await system.acceptedIds(images.eventsPerPush), 20_000);

      const baseline = await measure(system, healthy);
      await failing.setMode(mode);
      const degraded = await measure(system, healthy);
      if (mode === 'stall') expect(failing.pending).toBeGreaterThan(0);
      expect(degraded.ids.some((id) => failing.ids().has(id))).toBe(false);

      const [before, during] = [median(baseline.latencies), median(degraded.latencies)];
      console.log(
        `healthy endpoint latency while the other ${_label}: median ${during} ms (baseline ${before} ms, ${SAMPLES} events each)`,
      );
      // A failing endpoint that held the healthy one up would cost it the 2 s timeout or a connect retry.
      expect(during).toBeLessThanOrEqual(Math.max(4 * before, before + 100));

      // The failing endpoint gets everything once it recovers.
      await failing.setMode('ok');
      await failing.waitForAll(await system.acceptedIds(images.eventsPerPush + 2 * SAMPLES), 30_000);
      expectDistributionEnvelopes(healthy);
      expectDistributionEnvelopes(failing);
    },
    60_000,
  );
});
