import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@app/testing';
import {
  DistributionProcess,
  MANIFEST_ACCEPT,
  OciLayout,
  RegistryClient,
  freeAddr,
  layoutIndex,
  sha256,
  skopeo,
  startRegistry,
  type BuiltImage,
  type Descriptor,
  type RegistryProcess,
} from '../support/index.js';
import { Podman } from '../auth/podman.js';

const user = { name: 'mirror', password: 'mirror-secret' };
const creds = ['--dest-creds', `${user.name}:${user.password}`];

// The cache in front of a real distribution 2.8.2 with htpasswd: `hub/` cached (tags asked every time),
// `slow/` cached with tagttl 3s, everything else local. skopeo and podman pull through it; the tests of
// the describe run in order and build on each other (the upstream is stopped last).
describe('pull-through cache in front of distribution 2.8.2', { timeout: 240_000 }, () => {
  const work = tempDir('proxy-pull-');
  const source = join(work.path, 'source');
  let layout: OciLayout;
  let amd64: BuiltImage;
  let arm64: BuiltImage;
  let moved: BuiltImage;
  let broken: BuiltImage;
  let index: Descriptor;
  let upstream: DistributionProcess;
  let cache: RegistryProcess;
  let client: RegistryClient;
  let debugAddr: string;
  const at = (registry: { addr: string }, repo: string, tag: string) => `docker://${registry.addr}/${repo}:${tag}`;

  beforeAll(async () => {
    layout = new OciLayout(source);
    amd64 = await layout.addImage({ layerSizes: [3 * 1024, 2 << 20, 700 * 1024], label: 'amd64' });
    arm64 = await layout.addImage({
      layerSizes: [2 * 1024, 64 * 1024],
      platform: { architecture: 'arm64', os: 'linux' },
      label: 'arm64',
    });
    moved = await layout.addImage({ layerSizes: [5 * 1024], label: 'moved' });
    broken = await layout.addImage({ layerSizes: [1 << 20], label: 'broken' });
    layout.tag(broken.manifest, 'broken');
    index = layout.addIndex([amd64.manifest, arm64.manifest]);
    layout.tag(amd64.manifest, 'single');
    layout.tag(index, 'multi');
    layout.tag(moved.manifest, 'moved');
    upstream = await DistributionProcess.start({ user });
    await skopeo.copy(`oci:${source}:single`, at(upstream, 'library/app', 'v1'), creds);
    await skopeo.copy(`oci:${source}:single`, at(upstream, 'library/app', 'never-pulled'), creds);
    await skopeo.copy(`oci:${source}:multi`, at(upstream, 'library/multi', 'latest'), ['--all', ...creds]);
    const remote = { remoteurl: upstream.url, username: user.name, password: user.password };
    debugAddr = await freeAddr();
    cache = await startRegistry({
      config: {
        http: { debug: { addr: debugAddr } },
        proxy: {
          remotes: [
            { prefix: 'hub', ...remote },
            { prefix: 'slow', ...remote, tagttl: '3s' },
          ],
        },
      },
    });
    client = new RegistryClient(cache.url);
  }, 120_000);

  afterAll(async () => {
    await cache?.dispose();
    await upstream?.dispose();
    work.remove();
  });

  it('pulls a multi-layer image through the cache with skopeo, with the upstream digests', async () => {
    const out = join(work.path, 'single');
    await skopeo.copy(at(cache, 'hub/library/app', 'v1'), `oci:${out}:v1`);
    expect(sha256(await skopeo.inspectRaw(at(cache, 'hub/library/app', 'v1')))).toBe(amd64.manifest.digest);
    expect(layoutIndex(out).manifests[0].digest).toBe(amd64.manifest.digest);
    for (const layer of amd64.layers) {
      expect(existsSync(join(out, 'blobs', ...layer.digest.split(':')))).toBe(true);
    }
  });

  it('pulls a two-platform index with --all, every manifest by its upstream digest', async () => {
    const out = join(work.path, 'multi');
    await skopeo.copy(at(cache, 'hub/library/multi', 'latest'), `oci:${out}:latest`, ['--all']);
    expect(layoutIndex(out).manifests[0].digest).toBe(index.digest);
    for (const image of [amd64, arm64]) {
      const child = await client.manifest('hub/library/multi', image.manifest.digest);
      expect(child.status).toBe(200);
      expect(sha256(child.body)).toBe(image.manifest.digest);
    }
  });

  it('pulls with podman through the cache', async () => {
    const podman = new Podman(join(work.path, 'podman'));
    mkdirSync(join(work.path, 'podman'), { recursive: true });
    writeFileSync(podman.authfile, '{"auths":{}}');
    await podman.pull(`${cache.addr}/hub/library/app:v1`);
    expect(await podman.imageId(`${cache.addr}/hub/library/app:v1`)).toBe(amd64.config.digest.replace('sha256:', ''));
  });

  it("lists the upstream's tags and catalogues the cached repositories beside local ones", async () => {
    const tags = await client.json<{ tags: string[] }>('/v2/hub/library/app/tags/list');
    expect(tags.body.tags).toEqual(['never-pulled', 'v1']);
    const paged = await client.json<{ tags: string[] }>('/v2/hub/library/app/tags/list?n=1');
    expect(paged.body.tags).toEqual(['never-pulled']);
    expect(paged.headers.get('link')).toContain('last=never-pulled');
    await skopeo.copy(`oci:${source}:moved`, at(cache, 'local/app', 'v1'));
    const catalog = await client.json<{ repositories: string[] }>('/v2/_catalog');
    expect(catalog.body.repositories).toEqual(
      expect.arrayContaining(['hub/library/app', 'hub/library/multi', 'local/app']),
    );
    expect(sha256(await skopeo.inspectRaw(at(cache, 'local/app', 'v1')))).toBe(moved.manifest.digest);
  });

  it('refuses every write to a cached repository with 405 UNSUPPORTED', async () => {
    const repo = '/v2/hub/library/app';
    const layer = amd64.layers[0].digest;
    const attempts: [string, string][] = [
      ['POST', `${repo}/blobs/uploads/`],
      ['POST', `${repo}/blobs/uploads/?digest=${layer}`],
      ['POST', `${repo}/blobs/uploads/?mount=${layer}&from=local/app`],
      ['PUT', `${repo}/manifests/v2`],
      ['DELETE', `${repo}/manifests/${amd64.manifest.digest}`],
      ['DELETE', `${repo}/manifests/v1`],
      ['DELETE', `${repo}/blobs/${layer}`],
    ];
    for (const [method, path] of attempts) {
      const body = method === 'PUT' ? JSON.stringify({ schemaVersion: 2 }) : undefined;
      const response = await client.fetch(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(405);
      const answer = (await response.json()) as { errors: { code: string }[] };
      expect(answer.errors[0].code).toBe('UNSUPPORTED');
    }
  });

  it('sees a tag moved upstream only once tagttl has passed', async () => {
    await skopeo.copy(`oci:${source}:single`, at(upstream, 'library/moving', 'latest'), creds);
    const first = await client.manifest('slow/library/moving', 'latest');
    expect(sha256(first.body)).toBe(amd64.manifest.digest);
    await skopeo.copy(`oci:${source}:moved`, at(upstream, 'library/moving', 'latest'), creds);
    const soon = await client.manifest('slow/library/moving', 'latest');
    expect(sha256(soon.body)).toBe(amd64.manifest.digest);
    expect(sha256((await client.manifest('hub/library/moving', 'latest')).body)).toBe(moved.manifest.digest);
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    const later = await client.manifest('slow/library/moving', 'latest');
    expect(sha256(later.body)).toBe(moved.manifest.digest);
    // If-None-Match is answered after the upstream was asked: the old digest is no longer current.
    const etag = (digest: string) => ({ headers: { accept: MANIFEST_ACCEPT, 'if-none-match': `"${digest}"` } });
    const path = '/v2/hub/library/moving/manifests/latest';
    expect((await client.fetch(path, etag(amd64.manifest.digest))).status).toBe(200);
    expect((await client.fetch(path, etag(moved.manifest.digest))).status).toBe(304);
  });

  it('never stores or serves a blob the upstream sends wrong', async () => {
    await skopeo.copy(`oci:${source}:broken`, at(upstream, 'library/broken', 'v1'), creds);
    const [layer] = broken.layers;
    // Wrong bytes at the upstream: its stored copy corrupted in place (same size), as a bad disk would.
    const fd = openSync(upstream.blobData(layer.digest), 'r+');
    writeSync(fd, Buffer.from('corrupted'), 0, 9, 1000);
    closeSync(fd);
    for (let attempt = 0; attempt < 2; attempt++) {
      const got = await client.blobDigest('hub/library/broken', layer.digest).catch((error: Error) => error);
      if (!(got instanceof Error)) expect(got.length).toBeLessThan(layer.size);
    }
    expect(upstream.requests('GET', new RegExp(`/blobs/${layer.digest}$`))).toHaveLength(2);
    const hex = layer.digest.slice('sha256:'.length);
    expect(existsSync(join(cache.root!, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex))).toBe(false);
  });

  it('serves what is cached while the upstream is down, stale tags included, and fails only the rest', async () => {
    await upstream.stop();
    const out = join(work.path, 'offline');
    await skopeo.copy(at(cache, 'hub/library/app', 'v1'), `oci:${out}:v1`);
    expect(layoutIndex(out).manifests[0].digest).toBe(amd64.manifest.digest);
    const tags = await client.json<{ tags: string[] }>('/v2/hub/library/app/tags/list');
    expect(tags.body.tags).toEqual(['v1']);
    const never = await client.manifest('hub/library/app', 'never-pulled');
    expect(never.status).toBe(503);
    expect((JSON.parse(never.body.toString()) as { errors: { code: string }[] }).errors[0].code).toBe('UNAVAILABLE');
    expect(cache.output).toContain('serving cached');
    const metrics = await (await fetch(`http://${debugAddr}/metrics`)).text();
    expect(metrics).toMatch(/registry_proxy_stale_serves_total\{remote="hub"\} [1-9]/);
    expect(metrics).toMatch(/registry_proxy_hits_total\{remote="hub",kind="blob"\} [1-9]/);
    expect(metrics).toMatch(/registry_proxy_misses_total\{remote="hub",kind="manifest"\} [1-9]/);
    expect(metrics).toMatch(/registry_proxy_upstream_bytes_total\{remote="hub"\} [1-9]/);
  });
});
