import { Global, Module } from '@nestjs/common';
import { ConfigError, RegistryConfig, redisConfigured } from '@app/config';
import { createRedis } from '@app/redis';
import { instanceId } from '../instance.js';
import { BlobFence, NoBlobFence } from './blob-fence.js';
import { GC_REDIS, OnlineCollector } from './online-collector.js';
import { RedisBlobFence } from './redis-blob-fence.js';
import type { Redis } from 'ioredis';

function gcRedis(config: RegistryConfig): Redis | undefined {
  if (!config.storage.gc.enabled) return undefined;
  if (!redisConfigured(config.redis))
    throw new ConfigError('storage.gc.enabled: needs redis.addr (the collectors of several registries share a lock)');
  const client = createRedis(config.redis, 'admin', { name: `registry-gc-${instanceId}`, commandTimeout: 5_000 });
  client.on('error', () => undefined);
  return client;
}

/** Online garbage collection and the fence that the blob and manifest services consult (global). */
@Global()
@Module({
  providers: [
    { provide: GC_REDIS, useFactory: gcRedis, inject: [RegistryConfig] },
    {
      provide: BlobFence,
      useFactory: (config: RegistryConfig, redis: Redis | undefined) =>
        redis ? new RedisBlobFence(redis, config.redis.prefix) : new NoBlobFence(),
      inject: [RegistryConfig, GC_REDIS],
    },
    OnlineCollector,
  ],
  exports: [BlobFence],
})
export class GcModule {}
