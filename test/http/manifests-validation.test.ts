import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest, errorLogs, randomBytes, rawRequest, startTestRegistry, type TestRegistry } from './blobs-support.js';
import {
  DOCKER_LIST,
  DOCKER_MANIFEST,
  firstError,
  ManifestClient,
  OCI_INDEX,
  OCI_MANIFEST,
  type Descriptor,
} from './manifests-support.js';

// What a manifest PUT refuses, with the spec's codes and never a 500 (in-process app, inmemory driver).
describe('manifest PUT validation', () => {
  let registry: TestRegistry;
  let client: ManifestClient;
  let config: Descriptor;
  let layer: Descriptor;
  const image = (extra: Record<string, unknown> = {}) => ({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: [layer],
    ...extra,
  });
  const expectError = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    const error = await firstError(response);
    expect(error.code).toBe(code);
    return error;
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ config: { storage: { inmemory: {} } } });
    client = new ManifestClient(registry.url);
    config = await client.blob('valid/app', Buffer.from('{"os":"linux"}'), 'application/vnd.oci.image.config.v1+json');
    layer = await client.blob('valid/app', randomBytes(500, 1), 'application/vnd.oci.image.layer.v1.tar+gzip');
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('schema1 (by Content-Type, signed type, or schemaVersion 1) is refused with a clear MANIFEST_INVALID', async () => {
    const schema1 = JSON.stringify({
      schemaVersion: 1,
      name: 'valid/app',
      tag: 'v1',
      architecture: 'amd64',
      fsLayers: [],
      history: [],
    });
    for (const type of [
      'application/vnd.docker.distribution.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'application/json',
    ]) {
      const error = await expectError(await client.put('valid/app', 'v1', schema1, type), 400, 'MANIFEST_INVALID');
      expect(JSON.stringify(error.detail)).toMatch(/schema1 manifests are not supported/);
    }
  });

  it('a blob the repository does not have: 400 MANIFEST_BLOB_UNKNOWN naming it; same for a blob linked only in another repository', async () => {
    const missing = { ...layer, digest: digest('not pushed') };
    const error = await expectError(
      await client.put('valid/app', 'v1', JSON.stringify(image({ layers: [layer, missing] })), OCI_MANIFEST),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    expect(error.detail).toMatchObject({ digest: missing.digest });
    await expectError(
      await client.put('valid/other', 'v1', JSON.stringify(image()), OCI_MANIFEST),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    const missingConfig = { ...config, digest: digest('no config') };
    await expectError(
      await client.put('valid/app', 'v1', JSON.stringify(image({ config: missingConfig })), OCI_MANIFEST),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    expect((await client.get('valid/app', 'v1')).status).toBe(404);
  });

  it('an index whose child manifest is not in the repository: MANIFEST_BLOB_UNKNOWN', async () => {
    const child = { mediaType: OCI_MANIFEST, digest: digest('child'), size: 5 };
    const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] });
    await expectError(await client.put('valid/app', 'idx', body, OCI_INDEX), 400, 'MANIFEST_BLOB_UNKNOWN');
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [{ ...child, mediaType: DOCKER_MANIFEST }],
    });
    await expectError(await client.put('valid/app', 'list', list, DOCKER_LIST), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('non-distributable layers with urls are not looked for (as distribution); urls elsewhere or bad urls are refused', async () => {
    const foreign = {
      mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
      digest: digest('foreign'),
      size: 7,
      urls: ['https://example.com/layer'],
    };
    expect(
      (await client.put('valid/app', 'foreign', JSON.stringify(image({ layers: [layer, foreign] })), OCI_MANIFEST))
        .status,
    ).toBe(201);
    const dockerConfig = await client.blob(
      'valid/app',
      Buffer.from('{"docker":true}'),
      'application/vnd.docker.container.image.v1+json',
    );
    const dockerForeign = {
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      digest: digest('win'),
      size: 9,
      urls: ['https://mcr.example/x'],
    };
    const docker = { schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: dockerConfig, layers: [dockerForeign] };
    expect((await client.put('valid/app', 'docker-foreign', JSON.stringify(docker), DOCKER_MANIFEST)).status).toBe(201);
    const badUrl = { ...foreign, urls: ['ftp://example.com/layer'] };
    await expectError(
      await client.put('valid/app', 'bad', JSON.stringify(image({ layers: [badUrl] })), OCI_MANIFEST),
      400,
      'MANIFEST_INVALID',
    );
    const urlOnConfig = image({ config: { ...config, urls: ['https://example.com/c'] } });
    await expectError(
      await client.put('valid/app', 'bad', JSON.stringify(urlOnConfig), OCI_MANIFEST),
      400,
      'MANIFEST_INVALID',
    );
    const foreignWithoutUrls = { ...docker, layers: [{ ...dockerForeign, urls: undefined }] };
    await expectError(
      await client.put('valid/app', 'bad', JSON.stringify(foreignWithoutUrls), DOCKER_MANIFEST),
      400,
      'MANIFEST_INVALID',
    );
  });

  it('mediaType in the body against Content-Type: a mismatch is MANIFEST_INVALID; a missing one takes the Content-Type', async () => {
    await expectError(
      await client.put('valid/app', 'v1', JSON.stringify(image()), DOCKER_MANIFEST),
      400,
      'MANIFEST_INVALID',
    );
    const untyped = JSON.stringify({ schemaVersion: 2, config, layers: [layer] });
    const put = await client.put('valid/app', 'untyped', untyped, OCI_MANIFEST);
    expect(put.status).toBe(201);
    const got = await client.get('valid/app', 'untyped');
    expect(got.headers.get('content-type')).toBe(OCI_MANIFEST);
    expect(await got.text()).toBe(untyped);
    const generic = await client.put('valid/app', 'generic', JSON.stringify(image()), 'application/json');
    expect(generic.status).toBe(201);
    await expectError(await client.put('valid/app', 'v1', untyped, 'application/json'), 400, 'MANIFEST_INVALID');
    await expectError(await client.put('valid/app', 'v1', untyped), 400, 'MANIFEST_INVALID');
    const dockerUntyped = JSON.stringify({ schemaVersion: 2, config, layers: [layer] });
    await expectError(await client.put('valid/app', 'v1', dockerUntyped, DOCKER_MANIFEST), 400, 'MANIFEST_INVALID');
    await expectError(
      await client.put(
        'valid/app',
        'v1',
        JSON.stringify(image({ mediaType: 'application/vnd.example+json' })),
        'application/vnd.example+json',
      ),
      400,
      'MANIFEST_INVALID',
    );
  });

  it('malformed documents are MANIFEST_INVALID, never a 500', async () => {
    const bodies = [
      '',
      'not json',
      '[1,2]',
      'null',
      '{"schemaVersion":2',
      JSON.stringify({ ...image(), schemaVersion: 3 }),
      JSON.stringify({ ...image(), schemaVersion: '2' }),
      JSON.stringify(image({ config: 'x' })),
      JSON.stringify(image({ config: undefined })),
      JSON.stringify(image({ layers: {} })),
      JSON.stringify(image({ layers: [{ ...layer, size: -1 }] })),
      JSON.stringify(image({ layers: [{ ...layer, size: 1.5 }] })),
      JSON.stringify(image({ layers: [{ ...layer, digest: 'sha256:xyz' }] })),
      JSON.stringify(image({ layers: [{ ...layer, digest: `md5:${'a'.repeat(32)}` }] })),
      JSON.stringify(image({ layers: [{ ...layer, mediaType: 7 }] })),
      JSON.stringify(image({ layers: [null] })),
      JSON.stringify(image({ annotations: { a: 1 } })),
      JSON.stringify(image({ subject: { digest: 'nope' } })),
      JSON.stringify(image({ artifactType: 12 })),
      JSON.stringify(image({ mediaType: 42 })),
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX }),
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{}] }),
      '\u0000\u0001binary',
    ];
    for (const body of bodies) {
      const type = body.includes(OCI_INDEX) ? OCI_INDEX : OCI_MANIFEST;
      const response = await client.put('valid/app', 'bad', body, type);
      expect(response.status, body).toBe(400);
      expect((await firstError(response)).code, body).toBe('MANIFEST_INVALID');
    }
  });

  it("a body over 4 MiB is MANIFEST_INVALID (distribution's limit), declared or chunked; 4 MiB exactly is read", async () => {
    const padding = (size: number) => {
      const base = JSON.stringify(image({ annotations: { pad: '' } }));
      return base.replace('"pad":""', `"pad":"${'x'.repeat(size - base.length)}"`);
    };
    const atLimit = padding(4 * 1024 * 1024);
    expect(Buffer.byteLength(atLimit)).toBe(4 * 1024 * 1024);
    expect((await client.put('valid/app', 'big', atLimit, OCI_MANIFEST)).status).toBe(201);
    const over = padding(4 * 1024 * 1024 + 1);
    const error = await expectError(await client.put('valid/app', 'big', over, OCI_MANIFEST), 400, 'MANIFEST_INVALID');
    expect(JSON.stringify(error.detail)).toMatch(/larger than 4194304 bytes/);
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i += 1) controller.enqueue(new Uint8Array(1024 * 1024).fill(32));
        controller.close();
      },
    });
    const streamed = await client.call('/v2/valid/app/manifests/big', {
      method: 'PUT',
      body: chunked,
      headers: { 'content-type': OCI_MANIFEST },
      duplex: 'half',
    } as RequestInit);
    await expectError(streamed, 400, 'MANIFEST_INVALID');
  });

  it('bad references and names: DIGEST_INVALID, NAME_INVALID (400) on every method; a bad tag 400 on PUT', async () => {
    const body = JSON.stringify(image());
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const init = {
        method,
        body: method === 'PUT' ? body : undefined,
        headers: { 'content-type': OCI_MANIFEST, accept: OCI_MANIFEST },
      };
      const cases: [string, string][] = [
        ['/v2/valid/app/manifests/-bad', 'TAG_INVALID'],
        [`/v2/valid/app/manifests/${'t'.repeat(129)}`, 'TAG_INVALID'],
        ['/v2/valid/app/manifests/.hidden', 'TAG_INVALID'],
        ['/v2/valid/app/manifests/sha256:1234', 'DIGEST_INVALID'],
        [`/v2/valid/app/manifests/md5:${'a'.repeat(32)}`, 'DIGEST_INVALID'],
        ['/v2/Valid/App/manifests/v1', 'NAME_INVALID'],
      ];
      for (const [path, code] of cases) {
        const response = await client.call(path, init);
        // A malformed tag names no manifest to read or delete: 404 MANIFEST_UNKNOWN (spec-answers.test.ts).
        const [status, expected] = code === 'TAG_INVALID' && method !== 'PUT' ? [404, 'MANIFEST_UNKNOWN'] : [400, code];
        expect(response.status, `${method} ${path}`).toBe(status);
        if (method !== 'HEAD') expect((await firstError(response)).code, `${method} ${path}`).toBe(expected);
      }
    }
  });

  it('traversal in a reference or a name (sent raw, not normalised by a client) is an error, not a path', async () => {
    for (const [path, code, status] of [
      ['/v2/valid/app/manifests/..%2F..%2Fx', 'MANIFEST_UNKNOWN', 404],
      ['/v2/valid/../app/manifests/v1', 'NAME_INVALID', 400],
      ['/v2/valid/%2E%2E/app/manifests/v1', 'NAME_INVALID', 400],
    ] as [string, string, number][]) {
      const raw = await rawRequest(registry.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(raw, path).toMatch(new RegExp(`^HTTP/1\\.1 ${status}`));
      expect(raw, path).toContain(`"code":"${code}"`);
    }
  });

  it('none of the above was logged as an error (no 500 anywhere)', () => {
    expect(errorLogs(registry)).toEqual([]);
  });
});
