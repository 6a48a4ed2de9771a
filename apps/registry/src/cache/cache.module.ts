import { Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { ConfigError, redisConfigured, type RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { createRedis } from '@app/redis';
import { instanceId } from '../instance.js';
import { BlobDescriptorCache, CacheCounters, NoBlobDescriptorCache } from './blob-descriptor-cache.js';
import { CachedBlobStatter } from './cached-blob-statter.js';
import { registerCacheMetrics } from './cache-metrics.js';
import { InMemoryBlobDescriptorCache } from './inmemory-blob-descriptor-cache.js';
import { RedisBlobDescriptorCache } from './redis-blob-descriptor-cache.js';

/**
 * `storage.cache.blobdescriptor` (or its old name `layerinfo`): redis, inmemory, or off when absent.
 * Provides `CachedBlobStatter` (always: with the cache off every lookup goes to storage) and
 * `CacheCounters` globally. A redis cache without `redis.addr` is a ConfigError at start.
 */
@Module({})
export class CacheModule implements OnApplicationShutdown {
  constructor(@Inject(BlobDescriptorCache) private readonly cache: BlobDescriptorCache) {}

  static forRoot(config: RegistryConfig): DynamicModule {
    const kind = config.storage.cache.blobdescriptor ?? config.storage.cache.layerinfo;
    if (kind === 'redis' && !redisConfigured(config.redis)) {
      throw new ConfigError('storage.cache.blobdescriptor: redis needs redis.addr (or redis.sentinels)');
    }
    return {
      module: CacheModule,
      global: true,
      providers: [
        { provide: BlobDescriptorCache, useFactory: () => createCache(kind, config) },
        {
          provide: CacheCounters,
          useFactory: () => {
            const counters = new CacheCounters();
            registerCacheMetrics(counters);
            return counters;
          },
        },
        {
          provide: CachedBlobStatter,
          useFactory: (cache: BlobDescriptorCache, counters: CacheCounters, logger: AppLogger) =>
            new CachedBlobStatter(cache, counters, logger),
          inject: [BlobDescriptorCache, CacheCounters, AppLogger],
        },
      ],
      exports: [CachedBlobStatter, CacheCounters, BlobDescriptorCache],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
  }
}

function createCache(kind: 'redis' | 'inmemory' | undefined, config: RegistryConfig): BlobDescriptorCache {
  if (kind === 'inmemory') return new InMemoryBlobDescriptorCache();
  if (kind === 'redis') {
    // A stalled Redis must not stall blob requests: commands give up after the read timeout (1 s unset).
    const commandTimeout = config.redis.readtimeout || config.redis.writetimeout || 1_000;
    const client = createRedis(config.redis, 'producer', {
      name: `registry-cache-${instanceId}`,
      commandTimeout,
      autoPipelining: true,
    });
    client.on('error', () => undefined);
    return new RedisBlobDescriptorCache(client, config.redis.prefix);
  }
  return new NoBlobDescriptorCache();
}
