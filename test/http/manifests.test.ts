import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLogs, startTestRegistry, type TestRegistry } from './blobs-support.js';
import {
  DOCKER_LIST,
  DOCKER_MANIFEST,
  firstError,
  ManifestClient,
  OCI_INDEX,
  OCI_MANIFEST,
} from './manifests-support.js';

// Manifest push and pull against the registry app (in this process, real HTTP on loopback) on both drivers.
describe.each(['filesystem', 'inmemory'])('manifests (%s driver)', (driver) => {
  let registry: TestRegistry;
  let client: ManifestClient;

  beforeAll(async () => {
    registry = await startTestRegistry({ config: driver === 'inmemory' ? { storage: { inmemory: {} } } : {} });
    client = new ManifestClient(registry.url);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('OCI image manifest by tag: 201 with Location and Docker-Content-Digest, pulled back byte for byte by tag and digest', async () => {
    const pushed = await client.image('golden/app', 'v1');
    const put = await client.put('golden/app', 'v1', pushed.body, OCI_MANIFEST);
    expect(put.status).toBe(201);
    expect(put.headers.get('location')).toBe(`${registry.url}/v2/golden/app/manifests/${pushed.descriptor.digest}`);
    expect(put.headers.get('docker-content-digest')).toBe(pushed.descriptor.digest);
    expect(put.headers.get('oci-subject')).toBeNull();
    for (const reference of ['v1', pushed.descriptor.digest]) {
      const got = await client.get('golden/app', reference);
      expect(got.status).toBe(200);
      expect(Buffer.from(await got.arrayBuffer()).equals(pushed.body)).toBe(true);
      expect(got.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(got.headers.get('content-length')).toBe(String(pushed.body.length));
      expect(got.headers.get('docker-content-digest')).toBe(pushed.descriptor.digest);
      expect(got.headers.get('etag')).toBe(`"${pushed.descriptor.digest}"`);
    }
  });

  it('Docker schema2 manifest, OCI index and Docker manifest list: each stored and served in its own type, byte-exact', async () => {
    const amd64 = await client.image('golden/multi', 'child-amd', { seed: 3 });
    const arm64 = await client.image('golden/multi', 'child-arm', { seed: 4 });
    const index = await client.index('golden/multi', 'oci', [amd64.descriptor, arm64.descriptor]);
    const dockerAmd = await client.image('golden/multi', 'd-amd', { docker: true, seed: 5 });
    const dockerArm = await client.image('golden/multi', 'd-arm', { docker: true, seed: 6 });
    const list = await client.index('golden/multi', 'docker', [dockerAmd.descriptor, dockerArm.descriptor], true);
    for (const [reference, pushed, type] of [
      ['oci', index, OCI_INDEX],
      ['docker', list, DOCKER_LIST],
      ['d-amd', dockerAmd, DOCKER_MANIFEST],
    ] as const) {
      const got = await client.get('golden/multi', reference);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe(type);
      expect(got.headers.get('docker-content-digest')).toBe(pushed.descriptor.digest);
      expect(Buffer.from(await got.arrayBuffer()).equals(pushed.body)).toBe(true);
    }
  });

  it('PUT by digest: stored without a tag; a digest that does not match the content is DIGEST_INVALID and stores nothing', async () => {
    const pushed = await client.image('golden/bydigest', 'tmp', { seed: 7 });
    const other = Buffer.from(pushed.body.toString().replace('"schemaVersion": 2', '"schemaVersion":2'));
    const wrong = await client.put('golden/bydigest', pushed.descriptor.digest, other, OCI_MANIFEST);
    expect(wrong.status).toBe(400);
    expect((await firstError(wrong)).code).toBe('DIGEST_INVALID');
    const right = await client.put('golden/bydigest', pushed.descriptor.digest, pushed.body, OCI_MANIFEST);
    expect(right.status).toBe(201);
    expect(right.headers.get('docker-content-digest')).toBe(pushed.descriptor.digest);
  });

  it('sha512 digests: PUT by a sha512 reference is stored and served under it', async () => {
    const pushed = await client.image('golden/sha512', 'tmp', { seed: 8 });
    const { createHash } = await import('node:crypto');
    const sha512 = `sha512:${createHash('sha512').update(pushed.body).digest('hex')}`;
    const put = await client.put('golden/sha512', sha512, pushed.body, OCI_MANIFEST);
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(sha512);
    const got = await client.get('golden/sha512', sha512);
    expect(got.status).toBe(200);
    expect(got.headers.get('docker-content-digest')).toBe(sha512);
  });

  it('HEAD: the headers of a GET, Content-Length of the manifest, no body', async () => {
    const pushed = await client.image('golden/head', 'v1', { seed: 9 });
    const head = await client.call('/v2/golden/head/manifests/v1', {
      method: 'HEAD',
      headers: { accept: OCI_MANIFEST },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(pushed.body.length));
    expect(head.headers.get('content-type')).toBe(OCI_MANIFEST);
    expect(head.headers.get('docker-content-digest')).toBe(pushed.descriptor.digest);
    expect(await head.text()).toBe('');
    const unknown = await client.call('/v2/golden/head/manifests/nope', {
      method: 'HEAD',
      headers: { accept: OCI_MANIFEST },
    });
    expect(unknown.status).toBe(404);
  });

  it('If-None-Match with the digest (quoted or not) answers 304 without a body, by tag and by digest; another digest gets 200', async () => {
    const pushed = await client.image('golden/etag', 'v1', { seed: 10 });
    for (const reference of ['v1', pushed.descriptor.digest]) {
      for (const value of [`"${pushed.descriptor.digest}"`, pushed.descriptor.digest]) {
        const response = await client.get('golden/etag', reference, OCI_MANIFEST, { 'if-none-match': value });
        expect(response.status).toBe(304);
        expect(await response.text()).toBe('');
      }
    }
    const stale = await client.get('golden/etag', 'v1', OCI_MANIFEST, {
      'if-none-match': `"sha256:${'0'.repeat(64)}"`,
    });
    expect(stale.status).toBe(200);
  });

  it('a tag re-pushed points at the new manifest', async () => {
    await client.image('golden/retag', 'v1', { seed: 11 });
    const second = await client.image('golden/retag', 'v1', { seed: 12 });
    const got = await client.get('golden/retag', 'v1');
    expect(got.headers.get('docker-content-digest')).toBe(second.descriptor.digest);
  });

  it('unknown tag, unknown digest and unknown repository: 404 MANIFEST_UNKNOWN', async () => {
    await client.image('golden/known', 'v1', { seed: 13 });
    for (const path of [
      'golden/known/manifests/missing',
      `golden/known/manifests/sha256:${'1'.repeat(64)}`,
      'no/such/repo/manifests/v1',
    ]) {
      const response = await client.call(`/v2/${path}`, { headers: { accept: OCI_MANIFEST } });
      expect(response.status).toBe(404);
      expect((await firstError(response)).code).toBe('MANIFEST_UNKNOWN');
    }
  });

  it('a manifest of one repository is unknown in another', async () => {
    const pushed = await client.image('golden/one', 'v1', { seed: 14 });
    await client.image('golden/two', 'v1', { seed: 15 });
    const response = await client.get('golden/two', pushed.descriptor.digest);
    expect(response.status).toBe(404);
  });

  it('nothing above was logged as an error (no 500)', () => {
    expect(errorLogs(registry)).toEqual([]);
  });
});
