import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import { tempDir } from '@app/testing';
import {
  OciLayout,
  RegistryClient,
  layoutBlob,
  layoutIndex,
  sha256,
  skopeo,
  startRegistry,
  type BuiltImage,
  type Descriptor,
  type RegistryProcess,
} from '../support/index.js';

// End to end with the real skopeo against the built registry run as a process: images made offline as
// OCI layouts, pushed, pulled back and compared digest by digest, converted to Docker schema 2, mounted
// across repositories and deleted. The tests of one describe run in order and build on each other.
const MiB = 1 << 20;
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('skopeo against the registry process', { timeout: 180_000 }, () => {
  const work = tempDir('e2e-skopeo-');
  const source = join(work.path, 'source');
  let layout: OciLayout;
  let amd64: BuiltImage;
  let arm64: BuiltImage;
  let index: Descriptor;
  let registry: RegistryProcess;
  let client: RegistryClient;
  const ref = (repo: string, tag: string) => `docker://${registry.host}/${repo}:${tag}`;

  beforeAll(async () => {
    layout = new OciLayout(source);
    amd64 = await layout.addImage({ layerSizes: [3 * 1024, 52 * MiB + 123, 700 * 1024], label: 'amd64' });
    arm64 = await layout.addImage({
      layerSizes: [2 * 1024, 64 * 1024],
      platform: { architecture: 'arm64', os: 'linux' },
      label: 'arm64',
    });
    index = layout.addIndex([amd64.manifest, arm64.manifest]);
    layout.tag(amd64.manifest, 'single');
    layout.tag(index, 'multi');
    registry = await startRegistry();
    client = new RegistryClient(registry.url);
  }, 120_000);

  afterAll(async () => {
    await registry?.dispose();
    work.remove();
  });

  it('pushes an OCI image with a 50 MiB layer and serves the same manifest bytes', async () => {
    await skopeo.copy(`oci:${source}:single`, ref('e2e/app', 'v1'));
    const raw = await skopeo.inspectRaw(ref('e2e/app', 'v1'));
    expect(sha256(raw)).toBe(amd64.manifest.digest);
    expect(Buffer.byteLength(raw)).toBe(amd64.manifest.size);
    const byTag = await client.manifest('e2e/app', 'v1');
    expect(byTag.status).toBe(200);
    expect(byTag.headers.get('docker-content-digest')).toBe(amd64.manifest.digest);
    expect(byTag.headers.get('content-type')).toBe(amd64.manifest.mediaType);
  });

  it('stores every blob intact: HEAD sizes and GET digests match, layer by layer', async () => {
    for (const blob of [amd64.config, ...amd64.layers]) {
      const head = await client.head(`/v2/e2e/app/blobs/${blob.digest}`);
      expect(head.status, blob.digest).toBe(200);
      expect(Number(head.headers.get('content-length'))).toBe(blob.size);
      expect(head.headers.get('docker-content-digest')).toBe(blob.digest);
      const got = await client.blobDigest('e2e/app', blob.digest);
      expect(got).toEqual({ status: 200, digest: blob.digest, length: blob.size });
    }
    expect(Math.max(...amd64.layers.map((layer) => layer.size))).toBeGreaterThanOrEqual(50 * MiB);
  });

  it('pulls the image back into an OCI layout, digest by digest', async () => {
    const out = join(work.path, 'pulled-single');
    await skopeo.copy(ref('e2e/app', 'v1'), `oci:${out}:v1`);
    const [entry] = layoutIndex(out).manifests;
    expect(entry.digest).toBe(amd64.manifest.digest);
    expect(sha256(layoutBlob(out, entry.digest))).toBe(amd64.manifest.digest);
    for (const blob of [amd64.config, ...amd64.layers]) {
      expect(statSync(join(out, 'blobs', ...blob.digest.split(':'))).size).toBe(blob.size);
    }
    const big = amd64.layers.reduce((a, b) => (a.size > b.size ? a : b));
    expect(sha256(layoutBlob(out, big.digest))).toBe(big.digest);
  });

  it('pushes a two-platform image index with --all and pulls both platforms back', async () => {
    await skopeo.copy(`oci:${source}:multi`, ref('e2e/multi', 'v1'), ['--all']);
    const raw = await skopeo.inspectRaw(ref('e2e/multi', 'v1'));
    expect(sha256(raw)).toBe(index.digest);
    expect(JSON.parse(raw).mediaType).toBe(OCI_INDEX);
    for (const child of [amd64.manifest, arm64.manifest]) {
      const got = await client.manifest('e2e/multi', child.digest);
      expect(got.status).toBe(200);
      expect(sha256(got.body)).toBe(child.digest);
    }
    const out = join(work.path, 'pulled-multi');
    await skopeo.copy(ref('e2e/multi', 'v1'), `oci:${out}:v1`, ['--all']);
    expect(layoutIndex(out).manifests[0].digest).toBe(index.digest);
    for (const blob of [...amd64.layers, ...arm64.layers, arm64.config]) {
      expect(sha256(layoutBlob(out, blob.digest))).toBe(blob.digest);
    }
  });

  it('pushes the same image as Docker schema 2 (--format v2s2) and pulls it back', async () => {
    await skopeo.copy(`oci:${source}:single`, ref('e2e/app-v2s2', 'v1'), ['--format', 'v2s2']);
    const raw = await skopeo.inspectRaw(ref('e2e/app-v2s2', 'v1'));
    const manifest = JSON.parse(raw) as { mediaType: string; layers: Descriptor[]; config: Descriptor };
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST);
    expect(manifest.layers.map((layer) => layer.digest)).toEqual(amd64.layers.map((layer) => layer.digest));
    expect(manifest.layers.every((layer) => layer.mediaType === DOCKER_LAYER)).toBe(true);
    const served = await client.manifest('e2e/app-v2s2', 'v1', DOCKER_MANIFEST);
    expect(served.headers.get('content-type')).toBe(DOCKER_MANIFEST);
    expect(served.headers.get('docker-content-digest')).toBe(sha256(raw));
    const out = join(work.path, 'pulled-v2s2');
    await skopeo.copy(ref('e2e/app-v2s2', 'v1'), `dir:${out}`);
    for (const layer of amd64.layers) {
      expect(sha256(layoutBlobDir(out, layer.digest))).toBe(layer.digest);
    }
  });

  it('lists tags and the catalog', async () => {
    const tags = await client.json<{ name: string; tags: string[] }>('/v2/e2e/app/tags/list');
    expect(tags.body).toEqual({ name: 'e2e/app', tags: ['v1'] });
    const catalog = await client.json<{ repositories: string[] }>('/v2/_catalog');
    expect(catalog.body.repositories).toEqual(expect.arrayContaining(['e2e/app', 'e2e/app-v2s2', 'e2e/multi']));
  });
});

/** skopeo's `dir:` transport names blob files by the hex digest alone. */
function layoutBlobDir(dir: string, digest: string): Buffer {
  return readFileSync(join(dir, digest.split(':')[1]));
}
