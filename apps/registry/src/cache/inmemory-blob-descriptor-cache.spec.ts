import { describe, expect, it } from 'vitest';
import { InMemoryBlobDescriptorCache } from './inmemory-blob-descriptor-cache.js';

const blob = (n: number) => ({
  digest: `sha256:${String(n).padStart(64, '0')}`,
  size: n,
  mediaType: 'application/octet-stream',
});

describe('InMemoryBlobDescriptorCache', () => {
  it('answers per repository only for digests linked there, and globally for any set one', async () => {
    const cache = new InMemoryBlobDescriptorCache();
    await cache.set('a', { ...blob(1), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    expect(await cache.stat('a', blob(1).digest)).toEqual({
      ...blob(1),
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    });
    expect(await cache.stat('b', blob(1).digest)).toBeUndefined();
    expect(await cache.stat(undefined, blob(1).digest)).toMatchObject({ size: 1 });
  });

  it('forgets a link on a repository clear, and every link when the content is cleared', async () => {
    const cache = new InMemoryBlobDescriptorCache();
    await cache.set('a', blob(1));
    await cache.set('b', blob(1));
    await cache.clear('a', blob(1).digest);
    expect(await cache.stat('a', blob(1).digest)).toBeUndefined();
    expect(await cache.stat('b', blob(1).digest)).toEqual(blob(1));
    await cache.clear(undefined, blob(1).digest);
    expect(await cache.stat('b', blob(1).digest)).toBeUndefined();
  });

  it('drops the least recently used entries past its capacity', async () => {
    const cache = new InMemoryBlobDescriptorCache(4);
    await cache.set(undefined, blob(1));
    await cache.set(undefined, blob(2));
    await cache.set(undefined, blob(3));
    await cache.set(undefined, blob(4));
    await cache.stat(undefined, blob(1).digest);
    await cache.set(undefined, blob(5));
    expect(cache.size).toBe(4);
    expect(await cache.stat(undefined, blob(2).digest)).toBeUndefined();
    expect(await cache.stat(undefined, blob(1).digest)).toEqual(blob(1));
  });
});
