import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '@app/testing';
import {
  DistributionProcess,
  OciLayout,
  layoutIndex,
  skopeo,
  startRegistry,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';
import { proxyTestRedis } from './test-redis.js';

// distribution's keys: `proxy.remoteurl` makes the whole registry a cache, `proxy.ttl` removes what was not
// pulled for that long. The scheduler's state is in storage (no Redis here) and survives a restart.
describe('cache expiry (proxy.ttl)', { timeout: 120_000 }, () => {
  const work = tempDir('proxy-expiry-');
  let image: BuiltImage;
  let upstream: DistributionProcess;
  let cache: RegistryProcess;
  const v2 = () => join(cache.root!, 'docker/registry/v2');
  const layerLink = (digest: string) => join(v2(), 'repositories/library/app/_layers/sha256', digest.slice(7), 'link');
  const blobData = (digest: string) => join(v2(), 'blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data');

  beforeAll(async () => {
    const layout = new OciLayout(join(work.path, 'layout'));
    image = await layout.addImage({ layerSizes: [8 * 1024, 256 * 1024], label: 'expiry' });
    layout.tag(image.manifest, 'v1');
    upstream = await DistributionProcess.start();
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${upstream.addr}/library/app:v1`);
    cache = await startRegistry({ config: { proxy: { remoteurl: upstream.url, ttl: '6s' } } });
  }, 60_000);

  afterAll(async () => {
    await cache?.dispose();
    await upstream?.dispose();
    work.remove();
  });

  it('removes content not pulled within ttl, across a restart, and fetches it again on the next pull', async () => {
    await skopeo.copy(`docker://${cache.addr}/library/app:v1`, `oci:${join(work.path, 'first')}:v1`);
    const [layer] = image.layers;
    // The client has its last byte once the digest is verified; the link follows the move into the blob store.
    await waitFor(() => existsSync(layerLink(layer.digest)), { what: 'the layer link' });
    await cache.restart();
    expect(existsSync(join(v2(), '_proxy/expiry.json'))).toBe(true);
    await waitFor(() => !existsSync(layerLink(layer.digest)) && !existsSync(blobData(layer.digest)), {
      timeout: 30_000,
      what: 'the layer to expire',
    });
    const tag = join(v2(), 'repositories/library/app/_manifests/tags/v1/current/link');
    await waitFor(() => !existsSync(tag), { timeout: 10_000, what: 'the tag to expire' });
    const gets = () => upstream.requests('GET', new RegExp(`/blobs/${layer.digest}$`)).length;
    expect(gets()).toBe(1);
    const out = join(work.path, 'second');
    await skopeo.copy(`docker://${cache.addr}/library/app:v1`, `oci:${out}:v1`);
    expect(layoutIndex(out).manifests[0].digest).toBe(image.manifest.digest);
    expect(gets()).toBe(2);
  });
});

// ours: `remotes[].ttl`, with the schedule in Redis (shared by the registry processes of one storage). A
// cached repository's expired content is unlinked; the blob store keeps it (local repositories may share it).
describe('cache expiry with the schedule in Redis (proxy.remotes[].ttl)', { timeout: 120_000 }, () => {
  const work = tempDir('proxy-expiry-redis-');
  const redis = proxyTestRedis();
  let image: BuiltImage;
  let upstream: DistributionProcess;
  let cache: RegistryProcess;

  beforeAll(async () => {
    const layout = new OciLayout(join(work.path, 'layout'));
    image = await layout.addImage({ layerSizes: [8 * 1024], label: 'expiry-redis' });
    layout.tag(image.manifest, 'v1');
    upstream = await DistributionProcess.start();
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${upstream.addr}/library/app:v1`);
    cache = await startRegistry({
      config: {
        redis: redis.config,
        proxy: { remotes: [{ prefix: 'hub', remoteurl: upstream.url, ttl: '4s' }] },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await cache?.dispose();
    await upstream?.dispose();
    await redis.cleanup();
    work.remove();
  });

  it('unlinks what was not pulled within ttl, across a restart, and keeps the content', async () => {
    await skopeo.copy(`docker://${cache.addr}/hub/library/app:v1`, `oci:${join(work.path, 'first')}:v1`);
    const v2 = join(cache.root!, 'docker/registry/v2');
    const [layer] = image.layers;
    const hex = layer.digest.slice(7);
    const link = join(v2, 'repositories/hub/library/app/_layers/sha256', hex, 'link');
    await waitFor(() => existsSync(link), { what: 'the layer link' });
    await cache.restart();
    await waitFor(() => !existsSync(link), { timeout: 30_000, what: 'the layer link to expire' });
    expect(existsSync(join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data'))).toBe(true);
    expect(existsSync(join(v2, '_proxy/expiry.json'))).toBe(false);
  });
});
