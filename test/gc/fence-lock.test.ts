import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';
import { CollectorLock } from '../../apps/registry/src/gc/collector-lock.js';
import { RedisBlobFence } from '../../apps/registry/src/gc/redis-blob-fence.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

// The two Redis pieces of online collection, on the real test Redis (a prefix of their own).
describe('online collection: lock and fence (real Redis)', () => {
  const config = testRedisConfig();
  const prefix = config.redis.prefix;
  const redis = testRedisClient(config);

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('lets one collector hold the lock at a time, and the next take it once released', async () => {
    const first = new CollectorLock(redis, `${prefix}:gc:lock`);
    const second = new CollectorLock(redis, `${prefix}:gc:lock`);
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    await first.release();
    expect(await second.acquire()).toBe(true);
    expect(second.held).toBe(true);
    await second.release();
  });

  it('refuses the collector a blob used since the mark began, and gives it one used before', async () => {
    let now = 1_000;
    const fence = new RedisBlobFence(redis, prefix, () => now);
    await fence.use([DIGEST]);
    expect(await fence.claim(DIGEST, 1_000)).toBe(false);
    now = 5_000;
    expect(await fence.claim(DIGEST, 2_000)).toBe(true);
    await fence.release(DIGEST);
    await fence.prune(2_000);
    expect(await redis.zscore(`${prefix}:gc:used`, DIGEST)).toBeNull();
  });

  it('holds a request that uses a blob being deleted until the deletion is over', async () => {
    const fence = new RedisBlobFence(redis, prefix);
    expect(await fence.claim(DIGEST, Date.now() + 60_000)).toBe(true);
    let released = false;
    const using = fence.use([DIGEST]).then(() => released);
    await new Promise((resolve) => setTimeout(resolve, 100));
    released = true;
    await fence.release(DIGEST);
    expect(await using).toBe(true);
  });
});
