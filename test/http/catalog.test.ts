import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from './blobs-support.js';
import { firstError, ManifestClient } from './manifests-support.js';

// GET /v2/_catalog with n/last pagination and Link, on both drivers.
describe.each(['filesystem', 'inmemory'])('catalog (%s driver)', (driver) => {
  let registry: TestRegistry;
  let client: ManifestClient;
  const names = ['library/app', 'library/app/sub', 'a', 'golden/x-y', 'z/deep/er/name', 'golden/other'];

  const catalog = async (query = '') => {
    const response = await client.call(`/v2/_catalog${query}`);
    return { response, body: (await response.json()) as { repositories: string[] } };
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ config: driver === 'inmemory' ? { storage: { inmemory: {} } } : {} });
    client = new ManifestClient(registry.url);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('an empty registry: an empty list', async () => {
    const { response, body } = await catalog();
    expect(response.status).toBe(200);
    expect(body).toEqual({ repositories: [] });
  });

  it('every repository (nested names included) in lexical order; a started-but-empty upload is no repository', async () => {
    for (const name of names) await client.image(name, 'v1');
    expect((await client.call('/v2/uploads/only/blobs/uploads/', { method: 'POST' })).status).toBe(202);
    const { response, body } = await catalog();
    expect(body.repositories).toEqual([...names].sort());
    expect(response.headers.get('link')).toBeNull();
  });

  it('n and last page through the names with a Link header', async () => {
    const sorted = [...names].sort();
    const first = await catalog('?n=4');
    expect(first.body.repositories).toEqual(sorted.slice(0, 4));
    expect(first.response.headers.get('link')).toBe(
      `</v2/_catalog?n=4&last=${encodeURIComponent(sorted[3])}>; rel="next"`,
    );
    const second = await catalog(`?n=4&last=${encodeURIComponent(sorted[3])}`);
    expect(second.body.repositories).toEqual(sorted.slice(4));
    expect(second.response.headers.get('link')).toBeNull();
    expect((await catalog('?n=0')).body.repositories).toEqual([]);
  });

  it('n must be an integer from 0 to 1000: otherwise 400 PAGINATION_NUMBER_INVALID', async () => {
    for (const n of ['-1', 'x', '1001']) {
      const response = await client.call(`/v2/_catalog?n=${n}`);
      expect(response.status, n).toBe(400);
      expect((await firstError(response)).code).toBe('PAGINATION_NUMBER_INVALID');
    }
    expect((await catalog('?n=1000')).response.status).toBe(200);
  });
});
