import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort, tempDir } from '@app/testing';
import { startRegistry, waitForHttp, type RegistryProcess } from '../support/index.js';

function blob(): { content: Buffer; digest: string } {
  const content = randomBytes(4096);
  return { content, digest: `sha256:${createHash('sha256').update(content).digest('hex')}` };
}

async function push(
  url: string,
  repository: string,
  { content, digest }: { content: Buffer; digest: string },
): Promise<void> {
  const response = await fetch(`${url}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    body: content,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(response.status).toBe(201);
}

async function head(url: string, repository: string, digest: string): Promise<number> {
  return (await fetch(`${url}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' })).status;
}

async function cacheHits(debug: string): Promise<number> {
  const metrics = await (await fetch(`http://${debug}/metrics`)).text();
  return Number(/^registry_storage_cache_total\{type="Hit"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
}

/** A registry with the cache and a debug listener; `root` shared when given. */
async function cachedRegistry(
  cache: Record<string, unknown>,
  root: string,
  extra: Record<string, unknown> = {},
): Promise<{ registry: RegistryProcess; debug: string }> {
  const debug = `127.0.0.1:${await freePort()}`;
  const registry = await startRegistry({
    config: {
      storage: { filesystem: { rootdirectory: root }, delete: { enabled: true }, cache },
      http: { debug: { addr: debug } },
      ...extra,
    },
    ready: async (app) => {
      await waitForHttp(`http://${(app as RegistryProcess).addr}/v2/`);
      await waitForHttp(`http://${debug}/metrics`);
    },
  });
  return { registry, debug };
}

for (const kind of ['inmemory', 'redis'] as const) {
  describe(`blob-descriptor cache (${kind}): served from the cache, invalidated on delete`, () => {
    const root = tempDir('cache-root-');
    const prefix = `cache-test-${randomUUID()}`;
    const redisConfig = kind === 'redis' ? { redis: { addr: '127.0.0.1:6379', prefix } } : {};
    let first: { registry: RegistryProcess; debug: string };

    beforeAll(async () => {
      first = await cachedRegistry({ blobdescriptor: kind }, root.path, redisConfig);
    }, 60_000);
    afterAll(async () => {
      await first?.registry.dispose();
      if (kind === 'redis') {
        const client = new Redis({ host: '127.0.0.1', port: 6379 });
        const keys = await client.keys(`${prefix}:*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      }
      root.remove();
    });

    it('answers repeated HEADs from the cache', async () => {
      const layer = blob();
      await push(first.registry.url, 'cache/a', layer);
      const before = await cacheHits(first.debug);
      for (let i = 0; i < 10; i++) expect(await head(first.registry.url, 'cache/a', layer.digest)).toBe(200);
      expect((await cacheHits(first.debug)) - before).toBeGreaterThanOrEqual(9);
    });

    it('forgets a blob deleted from one repository, and only there', async () => {
      const layer = blob();
      await push(first.registry.url, 'cache/a', layer);
      const mount = await fetch(`${first.registry.url}/v2/cache/b/blobs/uploads/?mount=${layer.digest}&from=cache/a`, {
        method: 'POST',
      });
      expect(mount.status).toBe(201);
      expect(await head(first.registry.url, 'cache/a', layer.digest)).toBe(200);
      expect(await head(first.registry.url, 'cache/b', layer.digest)).toBe(200);
      const deleted = await fetch(`${first.registry.url}/v2/cache/a/blobs/${layer.digest}`, { method: 'DELETE' });
      expect(deleted.status).toBe(202);
      expect(await head(first.registry.url, 'cache/a', layer.digest)).toBe(404);
      expect((await fetch(`${first.registry.url}/v2/cache/a/blobs/${layer.digest}`)).status).toBe(404);
      expect(await head(first.registry.url, 'cache/b', layer.digest)).toBe(200);
      if (kind === 'redis') {
        const client = new Redis({ host: '127.0.0.1', port: 6379 });
        expect(await client.sismember(`${prefix}:repository::cache/a::blobs`, layer.digest)).toBe(0);
        expect(await client.sismember(`${prefix}:repository::cache/b::blobs`, layer.digest)).toBe(1);
        client.disconnect();
      }
    });
  });
}

describe('blob-descriptor cache (redis) shared by two registries on one Redis and one storage', () => {
  it('a delete through one registry is seen by the other', async () => {
    const root = tempDir('cache-root-');
    const redisConfig = { redis: { addr: '127.0.0.1:6379', prefix: `cache-test-${randomUUID()}` } };
    const first = await cachedRegistry({ blobdescriptor: 'redis' }, root.path, redisConfig);
    const second = await cachedRegistry({ blobdescriptor: 'redis' }, root.path, redisConfig);
    const client = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      const layer = blob();
      await push(first.registry.url, 'cache/shared', layer);
      expect(await head(second.registry.url, 'cache/shared', layer.digest)).toBe(200);
      expect(await head(first.registry.url, 'cache/shared', layer.digest)).toBe(200);
      expect(await client.sismember(`${redisConfig.redis.prefix}:repository::cache/shared::blobs`, layer.digest)).toBe(
        1,
      );
      expect(
        (await fetch(`${second.registry.url}/v2/cache/shared/blobs/${layer.digest}`, { method: 'DELETE' })).status,
      ).toBe(202);
      expect(await head(first.registry.url, 'cache/shared', layer.digest)).toBe(404);
    } finally {
      await Promise.all([first.registry.dispose(), second.registry.dispose()]);
      const keys = await client.keys(`${redisConfig.redis.prefix}:*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
      root.remove();
    }
  });
});

describe('blob-descriptor cache under its old name (layerinfo)', () => {
  it('is on with storage.cache.layerinfo', async () => {
    const root = tempDir('cache-root-');
    const { registry, debug } = await cachedRegistry({ layerinfo: 'inmemory' }, root.path);
    try {
      const layer = blob();
      await push(registry.url, 'legacy/app', layer);
      await head(registry.url, 'legacy/app', layer.digest);
      await head(registry.url, 'legacy/app', layer.digest);
      expect(await cacheHits(debug)).toBeGreaterThanOrEqual(1);
    } finally {
      await registry.dispose();
      root.remove();
    }
  });
});
