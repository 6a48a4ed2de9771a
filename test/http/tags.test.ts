import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from './blobs-support.js';
import { firstError, ManifestClient, OCI_MANIFEST } from './manifests-support.js';

// GET /v2/<name>/tags/list with n/last pagination and Link, on both drivers.
describe.each(['filesystem', 'inmemory'])('tags list (%s driver)', (driver) => {
  let registry: TestRegistry;
  let client: ManifestClient;
  const tags = ['v1', 'latest', 'a-first', 'B-upper', 'v10', 'v2', '1.0'];
  const sorted = [...tags].sort();

  const list = async (query = '', repo = 'tags/app') => {
    const response = await client.call(`/v2/${repo}/tags/list${query}`);
    return { response, body: (await response.json()) as { name: string; tags: string[] } };
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ config: driver === 'inmemory' ? { storage: { inmemory: {} } } : {} });
    client = new ManifestClient(registry.url);
    const pushed = await client.image('tags/app', tags[0]);
    for (const tag of tags.slice(1))
      expect((await client.put('tags/app', tag, pushed.body, OCI_MANIFEST)).status).toBe(201);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('all tags in lexical order, JSON with the name, no Link', async () => {
    const { response, body } = await list();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({ name: 'tags/app', tags: sorted });
    expect(sorted).toEqual(['1.0', 'B-upper', 'a-first', 'latest', 'v1', 'v10', 'v2']);
    expect(response.headers.get('link')).toBeNull();
  });

  it('n and last page through every tag, following the Link header until it is absent', async () => {
    const seen: string[] = [];
    let next: string | null = '/v2/tags/app/tags/list?n=3';
    let pages = 0;
    while (next) {
      const response = await client.call(next);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { tags: string[] };
      expect(body.tags.length).toBeLessThanOrEqual(3);
      seen.push(...body.tags);
      const link = response.headers.get('link');
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : null;
      pages += 1;
    }
    expect(seen).toEqual(sorted);
    expect(pages).toBe(3);
  });

  it('the Link names n and last of the next page', async () => {
    const { response, body } = await list('?n=2');
    expect(body.tags).toEqual(sorted.slice(0, 2));
    expect(response.headers.get('link')).toBe('</v2/tags/app/tags/list?n=2&last=B-upper>; rel="next"');
    const last = await list('?n=2&last=v1');
    expect(last.body.tags).toEqual(['v10', 'v2']);
    expect(last.response.headers.get('link')).toBeNull();
  });

  it('last alone gives everything after it; n=0 gives an empty list; n larger than the list gives all', async () => {
    expect((await list('?last=v1')).body.tags).toEqual(['v10', 'v2']);
    expect((await list('?last=zzz')).body.tags).toEqual([]);
    const zero = await list('?n=0');
    expect(zero.body.tags).toEqual([]);
    expect(zero.response.headers.get('link')).toBeNull();
    expect((await list('?n=1000')).body.tags).toEqual(sorted);
  });

  it('n that is not a non-negative integer: 400 PAGINATION_NUMBER_INVALID', async () => {
    for (const n of ['-1', 'abc', '1.5', '99999999999999999999', '0x10']) {
      const response = await client.call(`/v2/tags/app/tags/list?n=${n}`);
      expect(response.status, n).toBe(400);
      expect((await firstError(response)).code).toBe('PAGINATION_NUMBER_INVALID');
    }
  });

  it('unknown repository: 404 NAME_UNKNOWN; a repository with blobs but no tags: empty list; bad name: NAME_INVALID', async () => {
    const unknown = await client.call('/v2/no/such/tags/list');
    expect(unknown.status).toBe(404);
    expect((await firstError(unknown)).code).toBe('NAME_UNKNOWN');
    await client.blob('tags/blobsonly', Buffer.from('just a blob'), 'application/octet-stream');
    expect((await list('', 'tags/blobsonly')).body).toEqual({ name: 'tags/blobsonly', tags: [] });
    const bad = await client.call('/v2/Tags/App/tags/list');
    expect(bad.status).toBe(400);
    expect((await firstError(bad)).code).toBe('NAME_INVALID');
  });
});
