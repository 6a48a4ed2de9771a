import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { tempDir, waitFor } from '@app/testing';
import {
  DistributionProcess,
  OciLayout,
  RegistryClient,
  skopeo,
  startRegistry,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';
import { proxyTestRedis } from './test-redis.js';

const MiB = 1 << 20;

// One upstream fetch per blob: eight clients asking at once for a 50 MiB layer that is not cached yet
// cause one GET on the upstream (counted in distribution's access log), in one registry process and
// across two processes sharing storage and Redis (the fill lock).
describe('concurrent pulls of one blob', { timeout: 240_000 }, () => {
  const work = tempDir('proxy-fill-');
  const redis = proxyTestRedis();
  let image: BuiltImage;
  let upstream: DistributionProcess;
  let first: RegistryProcess;
  let second: RegistryProcess;

  beforeAll(async () => {
    const layout = new OciLayout(join(work.path, 'layout'));
    image = await layout.addImage({ layerSizes: [50 * MiB + 17, 50 * MiB + 33, 20 * MiB + 5], label: 'big' });
    layout.tag(image.manifest, 'v1');
    upstream = await DistributionProcess.start();
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${upstream.addr}/library/big:v1`);
    const config = {
      redis: redis.config,
      proxy: { remotes: [{ prefix: 'hub', remoteurl: upstream.url }] },
    };
    first = await startRegistry({ config });
    const storage = { filesystem: { rootdirectory: first.root }, delete: { enabled: true } };
    second = await startRegistry({ config: { ...config, storage } });
  }, 180_000);

  afterAll(async () => {
    await second?.dispose();
    await first?.dispose();
    await upstream?.dispose();
    await redis.cleanup();
    work.remove();
  });

  const gets = (digest: string) => upstream.requests('GET', new RegExp(`/blobs/${digest}$`));

  it('joins eight requests in one process to one upstream GET, each streamed whole and right', async () => {
    const layer = image.layers[0];
    const client = new RegistryClient(first.url);
    const pulls = await Promise.all(
      Array.from({ length: 8 }, () => client.blobDigest('hub/library/big', layer.digest)),
    );
    for (const pull of pulls) expect(pull).toEqual({ status: 200, digest: layer.digest, length: layer.size });
    expect(gets(layer.digest)).toHaveLength(1);
    const again = await client.blobDigest('hub/library/big', layer.digest);
    expect(again.digest).toBe(layer.digest);
    expect(gets(layer.digest)).toHaveLength(1);
  });

  it('keeps it to one upstream GET across two registry processes sharing storage and Redis', async () => {
    const layer = image.layers[1];
    const clients = [new RegistryClient(first.url), new RegistryClient(second.url)];
    const pulls = await Promise.all(
      Array.from({ length: 8 }, (_, i) => clients[i % 2].blobDigest('hub/library/big', layer.digest)),
    );
    for (const pull of pulls) expect(pull).toEqual({ status: 200, digest: layer.digest, length: layer.size });
    expect(gets(layer.digest)).toHaveLength(1);
  });

  it('finishes a fill whose only client went away, so the next pull is a hit', async () => {
    const layer = image.layers[2];
    const response = await fetch(`${first.url}/v2/hub/library/big/blobs/${layer.digest}`);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    const hex = layer.digest.slice('sha256:'.length);
    const link = join(first.root!, 'docker/registry/v2/repositories/hub/library/big/_layers/sha256', hex, 'link');
    await waitFor(() => existsSync(link), { timeout: 60_000, what: 'the abandoned fill to finish' });
    const pull = await new RegistryClient(first.url).blobDigest('hub/library/big', layer.digest);
    expect(pull.digest).toBe(layer.digest);
    expect(gets(layer.digest)).toHaveLength(1);
  });
});
