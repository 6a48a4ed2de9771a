import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from './blobs-support.js';
import { firstError, ManifestClient, OCI_MANIFEST } from './manifests-support.js';

const tagsOf = async (client: ManifestClient, repo: string): Promise<string[]> =>
  ((await (await client.call(`/v2/${repo}/tags/list`)).json()) as { tags: string[] }).tags;

// Manifest deletes (storage.delete.enabled) by digest and by tag (OCI 1.1), on both drivers.
describe.each(['filesystem', 'inmemory'])('manifest delete (%s driver)', (driver) => {
  let registry: TestRegistry;
  let client: ManifestClient;

  beforeAll(async () => {
    registry = await startTestRegistry({ config: driver === 'inmemory' ? { storage: { inmemory: {} } } : {} });
    client = new ManifestClient(registry.url);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('by digest: 202, the revision and every tag pointing at it are gone; other tags stay; a second delete is 404', async () => {
    const target = await client.image('del/app', 'v1', { seed: 1 });
    await client.put('del/app', 'latest', target.body, OCI_MANIFEST);
    const other = await client.image('del/app', 'other', { seed: 2 });
    const response = await client.call(`/v2/del/app/manifests/${target.descriptor.digest}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    for (const reference of ['v1', 'latest', target.descriptor.digest])
      expect((await client.get('del/app', reference)).status).toBe(404);
    expect(await tagsOf(client, 'del/app')).toEqual(['other']);
    expect((await client.get('del/app', 'other')).headers.get('docker-content-digest')).toBe(other.descriptor.digest);
    const again = await client.call(`/v2/del/app/manifests/${target.descriptor.digest}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await firstError(again)).code).toBe('MANIFEST_UNKNOWN');
  });

  it('a deleted manifest can be pushed again (its content is still addressable) and is served again', async () => {
    const pushed = await client.image('del/repush', 'v1', { seed: 3 });
    expect(
      (await client.call(`/v2/del/repush/manifests/${pushed.descriptor.digest}`, { method: 'DELETE' })).status,
    ).toBe(202);
    expect((await client.put('del/repush', 'v1', pushed.body, OCI_MANIFEST)).status).toBe(201);
    expect((await client.get('del/repush', 'v1')).status).toBe(200);
  });

  it('by tag (OCI 1.1): 202, only that tag is removed; the manifest stays by digest and under its other tags', async () => {
    const pushed = await client.image('del/tag', 'v1', { seed: 4 });
    await client.put('del/tag', 'v1-again', pushed.body, OCI_MANIFEST);
    const response = await client.call('/v2/del/tag/manifests/v1', { method: 'DELETE' });
    expect(response.status).toBe(202);
    expect((await client.get('del/tag', 'v1')).status).toBe(404);
    expect((await client.get('del/tag', 'v1-again')).status).toBe(200);
    expect((await client.get('del/tag', pushed.descriptor.digest)).status).toBe(200);
    expect(await tagsOf(client, 'del/tag')).toEqual(['v1-again']);
  });

  it('unknown tag or digest: 404 MANIFEST_UNKNOWN', async () => {
    for (const reference of ['nope', `sha256:${'2'.repeat(64)}`]) {
      const response = await client.call(`/v2/del/app/manifests/${reference}`, { method: 'DELETE' });
      expect(response.status).toBe(404);
      expect((await firstError(response)).code).toBe('MANIFEST_UNKNOWN');
    }
  });
});

describe('manifest delete when storage.delete.enabled is false', () => {
  let registry: TestRegistry;
  let client: ManifestClient;

  beforeAll(async () => {
    registry = await startTestRegistry({ config: { storage: { inmemory: {}, delete: { enabled: false } } } });
    client = new ManifestClient(registry.url);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('405 UNSUPPORTED by digest and by tag, and nothing is removed', async () => {
    const pushed = await client.image('nodel/app', 'v1', { seed: 5 });
    for (const reference of ['v1', pushed.descriptor.digest, 'unknown']) {
      const response = await client.call(`/v2/nodel/app/manifests/${reference}`, { method: 'DELETE' });
      expect(response.status).toBe(405);
      expect((await firstError(response)).code).toBe('UNSUPPORTED');
    }
    expect((await client.get('nodel/app', 'v1')).status).toBe(200);
  });
});
