import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '@app/testing';
import {
  DistributionProcess,
  OciLayout,
  RegistryClient,
  UpstreamRelay,
  freeAddr,
  sha256,
  skopeo,
  startRegistry,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';

interface ErrorBody {
  errors: { code: string }[];
}

// The upstream (a real distribution 2.8.2) behind a relay that can answer 429 or 503 itself, or stall: what
// was cached is served all the same (stale tags included), what was not answers the spec's error.
describe('an upstream that rate-limits, fails or stalls', { timeout: 120_000 }, () => {
  const work = tempDir('proxy-failing-');
  let image: BuiltImage;
  let upstream: DistributionProcess;
  let relay: UpstreamRelay;
  let cache: RegistryProcess;
  let client: RegistryClient;
  let debugAddr: string;

  beforeAll(async () => {
    const layout = new OciLayout(join(work.path, 'layout'));
    image = await layout.addImage({ layerSizes: [4096, 128 * 1024], label: 'failing' });
    layout.tag(image.manifest, 'v1');
    upstream = await DistributionProcess.start();
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${upstream.addr}/library/app:v1`);
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${upstream.addr}/library/app:uncached`);
    relay = await UpstreamRelay.start(upstream.url);
    debugAddr = await freeAddr();
    cache = await startRegistry({
      config: {
        http: { debug: { addr: debugAddr } },
        proxy: { timeout: '1s', remotes: [{ prefix: 'hub', remoteurl: relay.url }] },
      },
    });
    client = new RegistryClient(cache.url);
    await skopeo.copy(`docker://${cache.addr}/hub/library/app:v1`, `oci:${join(work.path, 'pulled')}:v1`);
  }, 60_000);

  afterAll(async () => {
    await cache?.dispose();
    await relay?.close();
    await upstream?.dispose();
    work.remove();
  });

  it.each(['429', '503', 'hang'] as const)('serves the cached image while the upstream answers %s', async (mode) => {
    relay.mode = mode;
    try {
      const manifest = await client.manifest('hub/library/app', 'v1');
      expect(sha256(manifest.body)).toBe(image.manifest.digest);
      for (const layer of image.layers) {
        expect((await client.blobDigest('hub/library/app', layer.digest)).digest).toBe(layer.digest);
      }
      const tags = await client.json<{ tags: string[] }>('/v2/hub/library/app/tags/list');
      expect(tags.body.tags).toEqual(['v1']);
    } finally {
      relay.mode = 'pass';
    }
  });

  it('answers what was never cached with the spec error the upstream failure maps to', async () => {
    relay.mode = '429';
    const limited = await client.fetch('/v2/hub/library/app/manifests/uncached');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(((await limited.json()) as ErrorBody).errors[0].code).toBe('TOOMANYREQUESTS');
    relay.mode = '503';
    const failing = await client.fetch('/v2/hub/library/other/blobs/sha256:' + '0'.repeat(64));
    expect(failing.status).toBe(503);
    expect(((await failing.json()) as ErrorBody).errors[0].code).toBe('UNAVAILABLE');
    relay.mode = 'pass';
    const unknown = await client.fetch('/v2/hub/library/app/manifests/no-such-tag');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody).errors[0].code).toBe('MANIFEST_UNKNOWN');
  });

  it('counts upstream errors and stale serves', async () => {
    const metrics = await (await fetch(`http://${debugAddr}/metrics`)).text();
    expect(metrics).toMatch(/registry_proxy_upstream_errors_total\{remote="hub",failure="unavailable"\} [1-9]/);
    expect(metrics).toMatch(/registry_proxy_stale_serves_total\{remote="hub"\} [1-9]/);
  });
});
