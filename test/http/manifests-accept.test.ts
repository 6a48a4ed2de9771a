import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLogs, startTestRegistry, type TestRegistry } from './blobs-support.js';
import {
  DOCKER_LIST,
  DOCKER_MANIFEST,
  firstError,
  ManifestClient,
  OCI_INDEX,
  OCI_MANIFEST,
  type Pushed,
} from './manifests-support.js';

// Accept negotiation as distribution's GetManifest does it (no schema1 conversion), in-process app, inmemory driver.
describe('manifest Accept negotiation', () => {
  let registry: TestRegistry;
  let client: ManifestClient;
  let oci: Pushed;
  let index: Pushed;
  let dockerAmd: Pushed;
  let list: Pushed;

  beforeAll(async () => {
    registry = await startTestRegistry({ config: { storage: { inmemory: {} } } });
    client = new ManifestClient(registry.url);
    oci = await client.image('accept/app', 'oci', { seed: 1 });
    const ociArm = await client.image('accept/app', 'oci-arm', { seed: 2 });
    index = await client.index('accept/app', 'index', [oci.descriptor, ociArm.descriptor]);
    dockerAmd = await client.image('accept/app', 'docker', { docker: true, seed: 3 });
    const dockerArm = await client.image('accept/app', 'docker-arm', { docker: true, seed: 4 });
    list = await client.index('accept/app', 'list', [dockerAmd.descriptor, dockerArm.descriptor], true);
    await client.index('accept/app', 'list-of-oci', [oci.descriptor, ociArm.descriptor], true);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('an OCI manifest asked for with only Docker types in Accept: 404 MANIFEST_UNKNOWN, by tag and by digest (distribution 2.8)', async () => {
    for (const reference of ['oci', oci.descriptor.digest]) {
      const response = await client.get('accept/app', reference, `${DOCKER_MANIFEST}, ${DOCKER_LIST}`);
      expect(response.status).toBe(404);
      const error = await firstError(response);
      expect(error.code).toBe('MANIFEST_UNKNOWN');
      expect(error.message).toBe('OCI manifest found, but accept header does not support OCI manifests');
    }
  });

  it('no Accept header at all, or */*: an OCI manifest is not served either (distribution does not read wildcards)', async () => {
    expect((await client.call('/v2/accept/app/manifests/oci')).status).toBe(404);
    expect((await client.get('accept/app', 'oci', '*/*')).status).toBe(404);
  });

  it('Accept with parameters and several header lines is understood', async () => {
    const response = await client.call('/v2/accept/app/manifests/oci', {
      headers: [
        ['accept', 'text/html'],
        ['accept', `${OCI_MANIFEST}; q=0.5`],
      ],
    });
    expect(response.status).toBe(200);
  });

  it('an OCI index needs the index type in Accept', async () => {
    const refused = await client.get('accept/app', 'index', OCI_MANIFEST);
    expect(refused.status).toBe(404);
    expect((await firstError(refused)).message).toBe('OCI index found, but accept header does not support OCI indexes');
    const served = await client.get('accept/app', 'index', OCI_INDEX);
    expect(served.headers.get('docker-content-digest')).toBe(index.descriptor.digest);
  });

  it('a Docker schema2 manifest is served as it is whatever the Accept list (no schema1 conversion)', async () => {
    for (const accept of [OCI_MANIFEST, '', DOCKER_MANIFEST]) {
      const response = await client.get('accept/app', 'docker', accept);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(DOCKER_MANIFEST);
      expect(response.headers.get('docker-content-digest')).toBe(dockerAmd.descriptor.digest);
    }
  });

  it('a manifest list by tag for a client without list support: its linux/amd64 manifest is served instead', async () => {
    const response = await client.get('accept/app', 'list', DOCKER_MANIFEST);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(DOCKER_MANIFEST);
    expect(response.headers.get('docker-content-digest')).toBe(dockerAmd.descriptor.digest);
    expect(Buffer.from(await response.arrayBuffer()).equals(dockerAmd.body)).toBe(true);
  });

  it('the fallback needs a client that takes the child: schema2 child without schema2 → 400 MANIFEST_INVALID; OCI child without OCI → 404', async () => {
    const schema2 = await client.get('accept/app', 'list', OCI_MANIFEST);
    expect(schema2.status).toBe(400);
    expect(await firstError(schema2)).toMatchObject({
      code: 'MANIFEST_INVALID',
      message: 'Schema 2 manifest not supported by client',
    });
    const ociChild = await client.get('accept/app', 'list-of-oci', DOCKER_MANIFEST);
    expect(ociChild.status).toBe(404);
    const served = await client.get('accept/app', 'list-of-oci', OCI_MANIFEST);
    expect(served.headers.get('docker-content-digest')).toBe(oci.descriptor.digest);
  });

  it('a manifest list by digest is served as it is; with list in Accept it is served by tag too', async () => {
    const byDigest = await client.get('accept/app', list.descriptor.digest, DOCKER_MANIFEST);
    expect(byDigest.headers.get('content-type')).toBe(DOCKER_LIST);
    expect(byDigest.headers.get('docker-content-digest')).toBe(list.descriptor.digest);
    const byTag = await client.get('accept/app', 'list', DOCKER_LIST);
    expect(byTag.headers.get('docker-content-digest')).toBe(list.descriptor.digest);
  });

  it('a list without a linux/amd64 entry, by tag for a client without list support: 404 MANIFEST_UNKNOWN', async () => {
    const arm = await client.image('accept/arm', 'arm', { docker: true, seed: 9 });
    await client.push(
      'accept/arm',
      'list',
      {
        schemaVersion: 2,
        mediaType: DOCKER_LIST,
        manifests: [{ ...arm.descriptor, platform: { architecture: 'arm64', os: 'linux' } }],
      },
      DOCKER_LIST,
    );
    const response = await client.get('accept/arm', 'list', DOCKER_MANIFEST);
    expect(response.status).toBe(404);
    expect((await firstError(response)).code).toBe('MANIFEST_UNKNOWN');
  });

  it('nothing above was logged as an error (no 500)', () => {
    expect(errorLogs(registry)).toEqual([]);
  });
});
