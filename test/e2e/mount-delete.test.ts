import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '@app/testing';
import {
  OciLayout,
  RegistryClient,
  sha256,
  skopeo,
  startRegistry,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';

// Cross-repository copies (blob mounts) and deletes, with skopeo and plain HTTP against the registry
// process (storage.delete.enabled: true). The tests run in order and build on each other.
describe('mount and delete against the registry process', { timeout: 120_000 }, () => {
  const work = tempDir('e2e-mount-');
  const source = join(work.path, 'source');
  let image: BuiltImage;
  let registry: RegistryProcess;
  let client: RegistryClient;
  const ref = (repo: string, tag: string) => `docker://${registry.host}/${repo}:${tag}`;

  beforeAll(async () => {
    const layout = new OciLayout(source);
    image = await layout.addImage({ layerSizes: [40 * 1024, 3 << 20], label: 'mount' });
    layout.tag(image.manifest, 'v1');
    registry = await startRegistry();
    client = new RegistryClient(registry.url);
    await skopeo.copy(`oci:${source}:v1`, ref('e2e/src', 'v1'));
  }, 60_000);

  afterAll(async () => {
    await registry?.dispose();
    work.remove();
  });

  it('shows a blob only in the repositories it was pushed or mounted to', async () => {
    const [layer] = image.layers;
    expect((await client.head(`/v2/e2e/src/blobs/${layer.digest}`)).status).toBe(200);
    const elsewhere = await client.head(`/v2/e2e/unrelated/blobs/${layer.digest}`);
    expect(elsewhere.status).toBe(404);
  });

  it('mounts a blob from another repository with POST ?mount=&from=', async () => {
    const [layer] = image.layers;
    const response = await client.fetch(`/v2/e2e/mounted/blobs/uploads/?mount=${layer.digest}&from=e2e/src`, {
      method: 'POST',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(layer.digest);
    expect(response.headers.get('location')).toContain(`/v2/e2e/mounted/blobs/${layer.digest}`);
    const got = await client.blobDigest('e2e/mounted', layer.digest);
    expect(got).toEqual({ status: 200, digest: layer.digest, length: layer.size });
  });

  it('falls back to a new upload (202) when the source repository lacks the blob', async () => {
    const [layer] = image.layers;
    const response = await client.fetch(`/v2/e2e/mounted2/blobs/uploads/?mount=${layer.digest}&from=e2e/unrelated`, {
      method: 'POST',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBeTruthy();
    expect((await client.head(`/v2/e2e/mounted2/blobs/${layer.digest}`)).status).toBe(404);
  });

  it('copies an image across repositories with skopeo, digests unchanged', async () => {
    await skopeo.copy(ref('e2e/src', 'v1'), ref('e2e/copy', 'v1'));
    const raw = await skopeo.inspectRaw(ref('e2e/copy', 'v1'));
    expect(sha256(raw)).toBe(image.manifest.digest);
    for (const blob of [image.config, ...image.layers]) {
      expect(await client.blobDigest('e2e/copy', blob.digest)).toEqual({
        status: 200,
        digest: blob.digest,
        length: blob.size,
      });
    }
  });

  it('deletes a manifest with skopeo delete: by digest and by tag it is then 404', async () => {
    await skopeo.delete(ref('e2e/copy', 'v1'));
    const byDigest = await client.manifest('e2e/copy', image.manifest.digest);
    expect(byDigest.status).toBe(404);
    expect(JSON.parse(byDigest.body.toString()).errors[0].code).toBe('MANIFEST_UNKNOWN');
    expect((await client.manifest('e2e/copy', 'v1')).status).toBe(404);
    expect((await client.manifest('e2e/src', 'v1')).status).toBe(200);
  });

  it('deletes a manifest by digest over HTTP (202), then HEAD and GET are 404', async () => {
    const path = `/v2/e2e/src/manifests/${image.manifest.digest}`;
    const response = await client.fetch(path, { method: 'DELETE' });
    expect(response.status).toBe(202);
    expect((await client.head(path)).status).toBe(404);
    expect((await client.manifest('e2e/src', 'v1')).status).toBe(404);
    const again = await client.fetch(path, { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('deletes a blob (202), then it is 404 in that repository only', async () => {
    const [layer] = image.layers;
    const response = await client.fetch(`/v2/e2e/src/blobs/${layer.digest}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    expect((await client.head(`/v2/e2e/src/blobs/${layer.digest}`)).status).toBe(404);
    expect((await client.head(`/v2/e2e/mounted/blobs/${layer.digest}`)).status).toBe(200);
  });
});
