import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLogs, startTestRegistry, type TestRegistry } from './blobs-support.js';
import {
  firstError,
  ManifestClient,
  OCI_INDEX,
  OCI_MANIFEST,
  type Descriptor,
  type Pushed,
} from './manifests-support.js';

const EMPTY = 'application/vnd.oci.empty.v1+json';
const SBOM = 'application/vnd.example.sbom.v1+json';
const SIGNATURE = 'application/vnd.example.signature.v1+json';

// OCI 1.1 subject / referrers API, on both drivers.
describe.each(['filesystem', 'inmemory'])('referrers (%s driver)', (driver) => {
  let registry: TestRegistry;
  let client: ManifestClient;
  let subject: Pushed;
  let empty: Descriptor;

  const referrers = async (digest: string, query = '', repo = 'refs/app') => {
    const response = await client.call(`/v2/${repo}/referrers/${digest}${query}`);
    return {
      response,
      body: (await response.json()) as { schemaVersion: number; mediaType: string; manifests: Descriptor[] },
    };
  };
  /** An artifact manifest (empty config) naming `subject`, with `artifactType` set or taken from a config type. */
  const artifact = async (
    tag: string,
    options: { artifactType?: string; configType?: string; annotations?: Record<string, string> },
  ) => {
    const config = options.configType
      ? await client.blob('refs/app', Buffer.from(`{"t":"${tag}"}`), options.configType)
      : empty;
    const document = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: [empty],
      subject: subject.descriptor,
      ...(options.artifactType ? { artifactType: options.artifactType } : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    };
    const body = Buffer.from(JSON.stringify(document));
    const response = await client.put('refs/app', tag, body, OCI_MANIFEST);
    return { response, digest: response.headers.get('docker-content-digest')!, size: body.length };
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ config: driver === 'inmemory' ? { storage: { inmemory: {} } } : {} });
    client = new ManifestClient(registry.url);
    subject = await client.image('refs/app', 'v1');
    empty = await client.blob('refs/app', Buffer.from('{}'), EMPTY);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('no referrers yet: 200 with an empty OCI index', async () => {
    const { response, body } = await referrers(subject.descriptor.digest);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(OCI_INDEX);
    expect(body).toEqual({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
    expect(response.headers.get('oci-filters-applied')).toBeNull();
  });

  it('a PUT with subject answers OCI-Subject; the referrer is listed with artifactType (own, else config type) and annotations', async () => {
    const sbom = await artifact('sbom', { artifactType: SBOM, annotations: { 'org.example.kind': 'sbom' } });
    expect(sbom.response.status).toBe(201);
    expect(sbom.response.headers.get('oci-subject')).toBe(subject.descriptor.digest);
    const signature = await artifact('sig', { configType: SIGNATURE });
    expect(signature.response.headers.get('oci-subject')).toBe(subject.descriptor.digest);
    const { body } = await referrers(subject.descriptor.digest);
    const expected = [
      {
        mediaType: OCI_MANIFEST,
        digest: sbom.digest,
        size: sbom.size,
        artifactType: SBOM,
        annotations: { 'org.example.kind': 'sbom' },
      },
      { mediaType: OCI_MANIFEST, digest: signature.digest, size: signature.size, artifactType: SIGNATURE },
    ];
    expect(body.manifests).toHaveLength(2);
    expect(body.manifests).toEqual(expect.arrayContaining(expected));
  });

  it('artifactType filter: only matching referrers, with OCI-Filters-Applied: artifactType', async () => {
    const { response, body } = await referrers(subject.descriptor.digest, `?artifactType=${encodeURIComponent(SBOM)}`);
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(body.manifests.map((entry) => entry.artifactType)).toEqual([SBOM]);
    const none = await referrers(subject.descriptor.digest, '?artifactType=application%2Fvnd.none');
    expect(none.body.manifests).toEqual([]);
    expect(none.response.headers.get('oci-filters-applied')).toBe('artifactType');
  });

  it('an index with a subject is a referrer too; a subject that is not (yet) in the repository is accepted', async () => {
    const missing = { mediaType: OCI_MANIFEST, digest: `sha256:${'3'.repeat(64)}`, size: 10 };
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [subject.descriptor],
      subject: missing,
      artifactType: 'application/vnd.example.bundle',
    });
    const put = await client.put('refs/app', 'bundle', body, OCI_INDEX);
    expect(put.status).toBe(201);
    expect(put.headers.get('oci-subject')).toBe(missing.digest);
    const listed = await referrers(missing.digest);
    expect(listed.body.manifests).toEqual([
      {
        mediaType: OCI_INDEX,
        digest: put.headers.get('docker-content-digest'),
        size: Buffer.byteLength(body),
        artifactType: 'application/vnd.example.bundle',
      },
    ]);
  });

  it('a deleted referrer is no longer listed; referrers are per repository', async () => {
    const temp = await artifact('temp', { artifactType: 'application/vnd.example.temp' });
    expect((await referrers(subject.descriptor.digest)).body.manifests.map((entry) => entry.digest)).toContain(
      temp.digest,
    );
    expect((await client.call(`/v2/refs/app/manifests/${temp.digest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await referrers(subject.descriptor.digest)).body.manifests.map((entry) => entry.digest)).not.toContain(
      temp.digest,
    );
    expect((await referrers(subject.descriptor.digest, '', 'refs/elsewhere')).body.manifests).toEqual([]);
  });

  it('a malformed digest is 400 DIGEST_INVALID; a bad name NAME_INVALID', async () => {
    for (const digest of ['sha256:abc', 'latest', `md5:${'a'.repeat(32)}`]) {
      const response = await client.call(`/v2/refs/app/referrers/${digest}`);
      expect(response.status, digest).toBe(400);
      expect((await firstError(response)).code).toBe('DIGEST_INVALID');
    }
    const bad = await client.call(`/v2/REFS/referrers/${subject.descriptor.digest}`);
    expect((await firstError(bad)).code).toBe('NAME_INVALID');
  });

  it('nothing above was logged as an error (no 500)', () => {
    expect(errorLogs(registry)).toEqual([]);
  });
});
