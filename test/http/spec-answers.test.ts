import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { tempDir } from '@app/testing';
import { digest, randomBytes, rawRequest, startTestRegistry, type TestRegistry } from './blobs-support.js';
import { firstError, ManifestClient, OCI_MANIFEST, type Descriptor } from './manifests-support.js';

const VERSION = 'registry/2.0';

// Where the spec (and the OCI conformance suite, and distribution) name an answer we used to give otherwise.
describe('the spec answers', () => {
  let registry: TestRegistry;
  let client: ManifestClient;
  let image: Record<string, unknown>;

  /** Pushes `bytes` as a blob of `repo` by a digest of `algorithm`, monolithically. */
  const blob = async (repo: string, bytes: Buffer, mediaType: string, algorithm: 'sha256' | 'sha512') => {
    const response = await client.call(`/v2/${repo}/blobs/uploads/?digest=${digest(bytes, algorithm)}`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return { mediaType, digest: digest(bytes, algorithm), size: bytes.length } satisfies Descriptor;
  };

  beforeAll(async () => {
    registry = await startTestRegistry();
    client = new ManifestClient(registry.url);
    const config = await client.blob(
      'spec/app',
      Buffer.from('{"os":"linux"}'),
      'application/vnd.oci.image.config.v1+json',
    );
    const layer = await client.blob('spec/app', randomBytes(300, 3), 'application/vnd.oci.image.layer.v1.tar+gzip');
    image = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] };
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('a reference that is not a tag: 404 MANIFEST_UNKNOWN on GET, HEAD and DELETE; 400 TAG_INVALID on PUT', async () => {
    for (const reference of ['.INVALID_MANIFEST_NAME', '-bad', 't'.repeat(129), '..%2F..%2Fx']) {
      for (const method of ['GET', 'HEAD', 'DELETE']) {
        const response = await client.call(`/v2/spec/app/manifests/${reference}`, { method });
        expect(response.status, `${method} ${reference}`).toBe(404);
        expect(response.headers.get('docker-distribution-api-version')).toBe(VERSION);
        if (method !== 'HEAD') expect((await firstError(response)).code).toBe('MANIFEST_UNKNOWN');
      }
      const put = await client.put('spec/app', reference, JSON.stringify(image), OCI_MANIFEST);
      expect(put.status, `PUT ${reference}`).toBe(400);
      expect((await firstError(put)).code).toBe('TAG_INVALID');
    }
  });

  it('PUT by digest with ?tag=a&tag=b tags the manifest with each and answers an OCI-Tag header for each', async () => {
    const body = JSON.stringify(image, null, 1);
    const pushed = digest(body);
    const put = await client.call(`/v2/spec/app/manifests/${pushed}?tag=a&tag=b&tag=a`, {
      method: 'PUT',
      body,
      headers: { 'content-type': OCI_MANIFEST },
    });
    expect(put.status, await put.clone().text()).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(pushed);
    expect(put.headers.get('oci-tag')).toBe('a, b');
    for (const tag of ['a', 'b'])
      expect((await client.get('spec/app', tag)).headers.get('docker-content-digest')).toBe(pushed);
    const tags = (await (await client.call('/v2/spec/app/tags/list')).json()) as { tags: string[] };
    expect(tags.tags).toEqual(expect.arrayContaining(['a', 'b']));
    const bad = await client.call(`/v2/spec/app/manifests/${pushed}?tag=ok&tag=-bad`, {
      method: 'PUT',
      body,
      headers: { 'content-type': OCI_MANIFEST },
    });
    expect(bad.status).toBe(400);
    expect((await firstError(bad)).code).toBe('TAG_INVALID');
  });

  it('sha512 wherever sha256 works: blob upload, mount, manifest by digest, referrers', async () => {
    const config = await blob(
      'sha/src',
      Buffer.from('{"os":"linux","s":512}'),
      'application/vnd.oci.image.config.v1+json',
      'sha512',
    );
    const layer = await blob('sha/src', randomBytes(700, 9), 'application/vnd.oci.image.layer.v1.tar+gzip', 'sha512');
    const mount = await client.call(`/v2/sha/dst/blobs/uploads/?mount=${layer.digest}&from=sha/src`, {
      method: 'POST',
    });
    expect(mount.status).toBe(201);
    expect(mount.headers.get('docker-content-digest')).toBe(layer.digest);
    expect((await client.call(`/v2/sha/dst/blobs/${layer.digest}`, { method: 'HEAD' })).status).toBe(200);
    const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
    const byDigest = digest(body, 'sha512');
    expect((await client.put('sha/src', byDigest, body, OCI_MANIFEST)).status).toBe(201);
    const got = await client.get('sha/src', byDigest);
    expect(got.status).toBe(200);
    expect(got.headers.get('docker-content-digest')).toBe(byDigest);
    const subject = { mediaType: OCI_MANIFEST, digest: byDigest, size: Buffer.byteLength(body) };
    const referrer = JSON.stringify({ ...JSON.parse(body), artifactType: 'application/vnd.example.sig', subject });
    const put = await client.put('sha/src', 'sig', referrer, OCI_MANIFEST);
    expect(put.status, await put.clone().text()).toBe(201);
    expect(put.headers.get('oci-subject')).toBe(byDigest);
    const listed = await client.call(`/v2/sha/src/referrers/${byDigest}`);
    expect(listed.status).toBe(200);
    const index = (await listed.json()) as { manifests: Descriptor[] };
    expect(index.manifests.map((entry) => entry.digest)).toEqual([put.headers.get('docker-content-digest')]);
  });

  it('a Content-Type that is neither the manifest mediaType nor generic JSON is MANIFEST_INVALID', async () => {
    for (const type of ['application/x-foo', 'text/plain', 'application/vnd.oci.image.config.v1+json']) {
      const response = await client.put('spec/app', 'ct', JSON.stringify(image), type);
      expect(response.status, type).toBe(400);
      expect((await firstError(response)).code).toBe('MANIFEST_INVALID');
    }
    for (const type of [undefined, 'application/json', `${OCI_MANIFEST}; charset=utf-8`]) {
      // A Buffer body: fetch adds no Content-Type of its own (a string body would be text/plain).
      const body = Buffer.from(JSON.stringify(image));
      expect((await client.put('spec/app', 'ct', body, type)).status, String(type)).toBe(201);
    }
  });

  it('headers too large: 431 with the error body and the API version header', async () => {
    const raw = await rawRequest(
      registry.url,
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw.toLowerCase()).toContain(`docker-distribution-api-version: ${VERSION}`);
    expect(raw).toContain('"errors"');
  });

  it('Docker-Distribution-Api-Version on every /v2/ answer, errors included', async () => {
    for (const [method, path, status] of [
      ['GET', '/v2/', 200],
      ['GET', '/v2', 200],
      ['GET', '/v2/spec/app/manifests/missing', 404],
      ['HEAD', '/v2/spec/app/manifests/missing', 404],
      ['GET', `/v2/spec/app/blobs/${digest('nope')}`, 404],
      ['GET', '/v2/spec/app/blobs/sha256:bad', 400],
      ['GET', '/v2/Bad/Name/tags/list', 400],
      ['GET', '/v2/_catalog?n=x', 400],
      ['GET', '/v2/spec/app/nothing-here', 404],
      ['PATCH', '/v2/spec/app/blobs/uploads/unknown-upload', 404],
    ] as const) {
      const response = await client.call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get('docker-distribution-api-version'), `${method} ${path}`).toBe(VERSION);
    }
  });
});

describe('401 answers (auth.htpasswd)', () => {
  const dir = tempDir('spec-401-');
  let registry: TestRegistry;

  beforeAll(async () => {
    const path = join(dir.path, 'htpasswd');
    writeFileSync(path, `alice:${bcrypt.hashSync('secret', 4)}\n`);
    registry = await startTestRegistry({ config: { auth: { htpasswd: { realm: 'basic-realm', path } } } });
  });
  afterAll(async () => {
    await registry?.close();
    dir.remove();
  });

  it("carry the API version header and distribution's detail: the access records asked for", async () => {
    const cases: [string, string, unknown][] = [
      ['GET', '/v2/', null],
      ['GET', '/v2/team/app/manifests/v1', [{ Type: 'repository', Class: '', Name: 'team/app', Action: 'pull' }]],
      [
        'POST',
        '/v2/team/app/blobs/uploads/',
        [
          { Type: 'repository', Class: '', Name: 'team/app', Action: 'pull' },
          { Type: 'repository', Class: '', Name: 'team/app', Action: 'push' },
        ],
      ],
      ['GET', '/v2/_catalog', [{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }]],
    ];
    for (const [method, path, detail] of cases) {
      const response = await fetch(`${registry.url}${path}`, { method });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('docker-distribution-api-version')).toBe(VERSION);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="basic-realm"');
      const error = await firstError(response);
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.detail, path).toEqual(detail);
    }
    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    expect((await firstError(wrong)).detail).toBeNull();
  });
});
