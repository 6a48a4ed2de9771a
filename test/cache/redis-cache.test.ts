import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisServer } from '@app/testing';
import { RedisBlobDescriptorCache } from '../../apps/registry/src/cache/redis-blob-descriptor-cache.js';
import { CachedBlobStatter } from '../../apps/registry/src/cache/cached-blob-statter.js';
import { CacheCounters } from '../../apps/registry/src/cache/blob-descriptor-cache.js';

const blob = {
  digest: `sha256:${'ab'.repeat(32)}`,
  size: 1234,
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
const silent = pino({ level: 'silent' });

describe('RedisBlobDescriptorCache (machine Redis, own prefix)', () => {
  const prefix = `test-cache-${randomUUID()}`;
  const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const cache = new RedisBlobDescriptorCache(client, prefix);

  beforeAll(() => client.connect());
  afterAll(async () => {
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  it("writes distribution's keys and answers per repository", async () => {
    await cache.set('team/app', blob);
    expect(await client.hgetall(`${prefix}:blobs::${blob.digest}`)).toEqual({
      digest: blob.digest,
      size: '1234',
      mediatype: blob.mediaType,
    });
    expect(await client.smembers(`${prefix}:repository::team/app::blobs`)).toEqual([blob.digest]);
    expect(await cache.stat('team/app', blob.digest)).toEqual(blob);
    expect(await cache.stat('other', blob.digest)).toBeUndefined();
    expect(await cache.stat(undefined, blob.digest)).toEqual(blob);
  });

  it('keeps the first global media type and the repository its own', async () => {
    await cache.set('second', { ...blob, mediaType: 'application/octet-stream' });
    expect(await cache.stat(undefined, blob.digest)).toEqual(blob);
    expect(await cache.stat('second', blob.digest)).toEqual({ ...blob, mediaType: 'application/octet-stream' });
  });

  it('forgets the link on clear, and every repository once the content is cleared', async () => {
    await cache.clear('team/app', blob.digest);
    expect(await cache.stat('team/app', blob.digest)).toBeUndefined();
    expect(await cache.stat('second', blob.digest)).toBeDefined();
    await cache.clear(undefined, blob.digest);
    expect(await cache.stat('second', blob.digest)).toBeUndefined();
  });
});

describe('CachedBlobStatter over a Redis that goes away', () => {
  let server: RedisServer;
  let client: Redis;
  afterEach(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it('serves from storage while Redis is down and from the cache once it is back', async () => {
    server = await RedisServer.start();
    client = new Redis({
      port: server.port,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: 500,
      retryStrategy: () => 100,
    });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    const counters = new CacheCounters();
    const statter = new CachedBlobStatter(new RedisBlobDescriptorCache(client, 'p'), counters, silent);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return blob;
    };
    expect(await statter.stat('r', blob.digest, load)).toEqual(blob);
    expect(await statter.stat('r', blob.digest, load)).toEqual(blob);
    expect([loads, counters.hits, counters.misses]).toEqual([1, 1, 1]);

    await server.kill();
    expect(await statter.stat('r', blob.digest, load)).toEqual(blob);
    expect(loads).toBe(2);
    await expect(statter.removing('r', blob.digest, async () => 'removed')).rejects.toThrow();

    await server.restart();
    await new Promise((resolve) => (client.status === 'ready' ? resolve(undefined) : client.once('ready', resolve)));
    expect(await statter.stat('r', blob.digest, load)).toEqual(blob);
    expect(loads).toBe(2);
    expect(await statter.removing('r', blob.digest, async () => 'removed')).toBe('removed');
    expect(await statter.stat('r', blob.digest, async () => undefined)).toBeUndefined();
  });
});
