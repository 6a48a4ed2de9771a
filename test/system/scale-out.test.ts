import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach, MicroCeph } from '@app/testing';
import { createBucket, RegistryClient, s3Storage, skopeo, type RegistryProcess } from '../support/index.js';
import { ImageSet } from './images.js';
import { QUICK_SCHEDULE, SystemUnderTest } from './system-harness.js';
import { WebhookSink } from './webhook-sink.js';

// Scale-out as processes (`npm run build` first): two registries and two workers on one Redis (AOF) and one
// bucket of a real Ceph RGW, real skopeo, a receiver on loopback. A push through one registry is pullable
// through the other at once, both list the same; each event reaches the endpoint (once, with no crash). Then
// kill -9 of one registry and one worker in the middle of pushes and pulls: clients that retry on the other
// registry succeed, and every event the registries accepted is delivered.

const cleanups = cleanupAfterEach(afterEach);
let ceph: MicroCeph;
let buckets = 0;

beforeAll(async () => {
  ceph = await MicroCeph.start();
}, 180_000);

afterAll(async () => {
  await ceph?.stop();
});

async function startScaledOut(images: number) {
  const bucket = `scale-${++buckets}`;
  await createBucket(ceph, bucket);
  const set = await ImageSet.build(images);
  cleanups.push(() => set.remove());
  const sink = await WebhookSink.start('ok');
  cleanups.push(() => sink.stop());
  const system = await SystemUnderTest.start({
    endpoints: [{ name: 'hook', url: sink.url, timeout: '1s', schedule: QUICK_SCHEDULE }],
    config: {
      storage: { s3: s3Storage(ceph, bucket), delete: { enabled: true } },
      http: { secret: 'shared-secret-of-the-instances' },
      log: { accesslog: { disabled: true } },
    },
  });
  cleanups.push(() => system.dispose());
  const second = await system.startRegistry();
  await system.startWorker();
  return { images: set, sink, system, registries: [system.registry, second] };
}

/** Pushes image `index` through the registries in turn from `first`, retrying on the next one when a push fails. */
async function pushRetrying(images: ImageSet, registries: RegistryProcess[], index: number, first: number) {
  for (let attempt = 0; attempt < 6; attempt++) {
    const registry = registries[(first + attempt) % registries.length];
    if (!registry.running) continue;
    try {
      await images.push(registry, index);
      return attempt;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`push of image ${index} failed on every registry`);
}

describe('system: two registries and two workers on one bucket and one Redis', () => {
  it('a push through one is pulled through the other at once; catalog, tags and deliveries agree', async () => {
    const { images, sink, system, registries } = await startScaledOut(4);
    const clients = registries.map((registry) => new RegistryClient(registry.url));
    for (let index = 0; index < images.images.length; index++) {
      await images.push(registries[index % 2], index);
      const other = registries[(index + 1) % 2];
      const raw = await skopeo.inspectRaw(`docker://${other.host}/system/app:img-${index}`);
      expect(JSON.parse(raw).layers[0].digest).toBe(images.images[index].layers[0].digest);
    }
    const tags = await Promise.all(clients.map((client) => client.json('/v2/system/app/tags/list')));
    expect(tags[0].body).toEqual(tags[1].body);
    expect((tags[0].body as { tags: string[] }).tags).toHaveLength(images.images.length);
    const catalogs = await Promise.all(clients.map((client) => client.json('/v2/_catalog')));
    expect(catalogs[0].body).toEqual({ repositories: ['system/app'] });
    expect(catalogs[1].body).toEqual(catalogs[0].body);
    const accepted = await system.acceptedIds(images.images.length * images.eventsPerPush);
    await sink.waitForAll(accepted, 30_000);
    expect([...sink.counts().values()].every((count) => count === 1)).toBe(true);
  }, 120_000);

  it('kill -9 of a registry and a worker mid-load: retrying clients succeed, accepted events arrive', async () => {
    const { images, sink, system, registries } = await startScaledOut(12);
    let started = 0;
    const killing = (async () => {
      while (started < 4) await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all([registries[0].kill('SIGKILL'), system.workers[0].kill('SIGKILL')]);
    })();
    const pushes = images.images.map(async (_, index) => {
      await new Promise((resolve) => setTimeout(resolve, index * 150));
      started += 1;
      return pushRetrying(images, registries, index, index % 2);
    });
    const [attempts] = await Promise.all([Promise.all(pushes), killing]);
    // The pushes that went to the dead registry were made again on the other one.
    expect(attempts.filter((attempt) => attempt > 0).length).toBeGreaterThan(0);
    for (let index = 0; index < images.images.length; index++) {
      const raw = await skopeo.inspectRaw(`docker://${registries[1].host}/system/app:img-${index}`);
      expect(JSON.parse(raw).layers[0].digest).toBe(images.images[index].layers[0].digest);
    }
    // A blob stored just before its registry died has no event (the retry finds it there); every manifest does.
    const events = await system.eventLog();
    const tagged = new Set(events.filter((event) => event.target.tag).map((event) => event.target.tag));
    expect(tagged).toEqual(new Set(images.images.map((_, index) => `img-${index}`)));
    await sink.waitForAll(new Set(events.map((event) => event.id)), 45_000);
  }, 180_000);
});
