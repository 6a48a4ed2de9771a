import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import type { BlobDescriptor } from '../repository/index.js';
import { BlobDescriptorCache, CacheCounters } from './blob-descriptor-cache.js';
import { CACHE_BYPASS_MS, CachedBlobStatter } from './cached-blob-statter.js';

/** A cache whose every call fails, as a stalled Redis does after its command timeout; counts the calls. */
class FailingCache extends BlobDescriptorCache {
  readonly kind = 'failing';
  calls = 0;
  async stat(): Promise<undefined> {
    this.calls += 1;
    throw new Error('Command timed out');
  }
  async set(): Promise<void> {
    this.calls += 1;
    throw new Error('Command timed out');
  }
  async clear(): Promise<void> {
    this.calls += 1;
    throw new Error('Command timed out');
  }
}

const descriptor: BlobDescriptor = {
  digest: 'sha256:' + 'a'.repeat(64),
  size: 3,
  mediaType: 'application/octet-stream',
};

describe('CachedBlobStatter with a failing cache', () => {
  afterEach(() => vi.useRealTimers());

  it('answers from storage and bypasses the cache for a while after a failure', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new FailingCache();
    const statter = new CachedBlobStatter(cache, new CacheCounters(), pino({ level: 'silent' }));
    const load = async () => descriptor;

    expect(await statter.stat('repo', descriptor.digest, load)).toEqual(descriptor);
    expect(cache.calls).toBe(1);
    for (let i = 0; i < 10; i++) expect(await statter.stat('repo', descriptor.digest, load)).toEqual(descriptor);
    await statter.remember('repo', descriptor);
    expect(cache.calls).toBe(1);

    vi.setSystemTime(1_000_000 + CACHE_BYPASS_MS + 1);
    await statter.stat('repo', descriptor.digest, load);
    expect(cache.calls).toBe(2);
  });

  it('never bypasses the clear around a removal, so no stale entry survives it', async () => {
    const cache = new FailingCache();
    const statter = new CachedBlobStatter(cache, new CacheCounters(), pino({ level: 'silent' }));
    await statter.stat('repo', descriptor.digest, async () => descriptor);
    let removed = false;
    await expect(statter.removing('repo', descriptor.digest, async () => (removed = true))).rejects.toThrow(
      'Command timed out',
    );
    expect(removed).toBe(false);
  });
});
