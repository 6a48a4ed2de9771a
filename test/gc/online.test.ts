import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { deleteKeys, TEST_REDIS_ADDR, tempDir, testRedisClient, testRedisConfig, waitFor } from '@app/testing';
import {
  OciLayout,
  RegistryClient,
  skopeo,
  startRegistry,
  type BuiltImage,
  type Descriptor,
  type RegistryProcess,
} from '../support/index.js';
import { blobsOf } from './gc-support.js';

const ROUNDS = 12;

/** An image over `layers` with a config of its own (descriptors already in the layout). */
function imageOf(layout: OciLayout, label: string, layers: Descriptor[]): BuiltImage {
  const config = layout.addJson(
    { architecture: 'amd64', os: 'linux', config: { Labels: { label } } },
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = layout.addJson(
    { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers },
    'application/vnd.oci.image.manifest.v1+json',
  );
  return { manifest: { ...manifest, platform: { architecture: 'amd64', os: 'linux' } }, config, layers };
}

// Two registry processes on one storage, each with the online collector looping (a grace period of 2 s: shorter
// than the time between a deletion and the next push that reuses its layer, so the fence protects those), while
// images are pushed that reuse the layers of images just deleted. Every push that reported success pulls intact
// afterwards, and the deleted images' own blobs are gone.
describe('online garbage collection under concurrent pushes', { timeout: 300_000 }, () => {
  const work = tempDir('gc-online-');
  const prefix = `test-gc-${randomUUID().slice(0, 8)}`;
  const redis = testRedisClient(testRedisConfig());
  const registries: RegistryProcess[] = [];
  const kept: BuiltImage[] = [];
  const deleted: BuiltImage[] = [];
  const layout = new OciLayout(join(work.path, 'layout'));

  beforeAll(async () => {
    let previous: Descriptor | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      const shared = (await layout.addRandomLayer(32 * 1024, `shared-${i}`)).descriptor;
      const own = (await layout.addRandomLayer(16 * 1024, `own-${i}`)).descriptor;
      const fresh = (await layout.addRandomLayer(16 * 1024, `fresh-${i}`)).descriptor;
      kept.push(imageOf(layout, `keep-${i}`, previous ? [previous, fresh] : [fresh]));
      deleted.push(imageOf(layout, `delete-${i}`, [shared, own]));
      layout.tag(kept[i].manifest, `k${i}`);
      layout.tag(deleted[i].manifest, `d${i}`);
      previous = shared;
    }
    const gc = { enabled: true, interval: '50ms', graceperiod: '2s' };
    const storage = { gc, filesystem: { rootdirectory: join(work.path, 'root') } };
    const config = { log: { level: 'info' }, redis: { addr: TEST_REDIS_ADDR, prefix }, storage };
    for (let n = 0; n < 2; n++) registries.push(await startRegistry({ config }));
  }, 120_000);

  afterAll(async () => {
    for (const registry of registries) await registry.dispose();
    await deleteKeys(redis, prefix);
    await redis.quit();
    work.remove();
  });

  it('pulls every image a push reported written, intact, and reclaims the deleted ones', async () => {
    const written: BuiltImage[] = [];
    const source = (tag: string) => `oci:${layout.dir}:${tag}`;
    for (let i = 0; i < ROUNDS; i++) {
      const registry = registries[i % 2];
      const to = (repo: string) => `docker://${registry.host}/${repo}`;
      const pushed = await skopeo.copy(source(`k${i}`), to(`gc/keep:k${i}`)).then(
        () => true,
        () => false,
      );
      if (pushed) written.push(kept[i]);
      // A push may fail (its blobs collected between upload and manifest PUT, past the short grace period);
      // what matters is that none that succeeded is broken.
      await skopeo.copy(source(`d${i}`), to(`gc/tmp:d${i}`)).then(
        () => skopeo.delete(to(`gc/tmp:d${i}`)),
        () => undefined,
      );
    }
    const collections = registries.map((registry) => registry.output.match(/gc: collection done/g)?.length ?? 0);
    expect(collections.reduce((a, b) => a + b)).toBeGreaterThan(ROUNDS);
    expect(written.length).toBeGreaterThan(ROUNDS / 2);
    const root = registries[0].root!;
    const ownBlobs = deleted.flatMap((image) => [image.manifest, image.config, image.layers[1]]);
    await waitFor(() => ownBlobs.every((blob) => !blobsOf(root).has(blob.digest)), {
      timeout: 60_000,
      what: 'the deleted images collected',
    });
    for (const [n, image] of written.entries()) {
      const registry = registries[n % 2];
      const tag = `k${kept.indexOf(image)}`;
      await skopeo.copy(`docker://${registry.host}/gc/keep:${tag}`, `oci:${join(work.path, 'pulled')}:${tag}`);
      const client = new RegistryClient(registry.url);
      for (const blob of [image.config, ...image.layers]) {
        expect(await client.blobDigest('gc/keep', blob.digest)).toMatchObject({ status: 200, digest: blob.digest });
      }
    }
  });
});
