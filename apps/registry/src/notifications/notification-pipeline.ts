import { join } from 'node:path';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigError, redisConfigured, RegistryConfig } from '@app/config';
import { createRedis } from '@app/redis';
import { AppLogger } from '@app/logging';
import { instanceId } from '../instance.js';
import { Broadcaster } from './broadcaster.js';
import { DeliveryQueues } from './delivery-queues.js';
import { EventSpool } from './event-spool.js';
import { sourceAddr } from './event-source.js';
import { SpoolFlusher } from './spool-flusher.js';

/**
 * Builds the registry's side of the pipeline from the config and owns its life: the Redis producer
 * connection and queues (only when Redis is configured), the spool and its flusher, the broadcaster.
 * At start a spool left by a previous run is flushed; at shutdown the flusher stops and Redis is closed.
 */
@Injectable()
export class NotificationPipeline implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly broadcaster: Broadcaster;
  readonly spool: EventSpool;
  readonly queues?: DeliveryQueues;
  readonly flusher?: SpoolFlusher;

  constructor(config: RegistryConfig, logger: AppLogger) {
    const notifications = config.notifications;
    const endpoints = notifications.endpoints.filter((endpoint) => !endpoint.disabled);
    const withRedis = redisConfigured(config.redis);
    if (endpoints.length > 0 && !withRedis)
      throw new ConfigError('redis.addr: required when notifications.endpoints are configured');
    this.spool = new EventSpool(
      spoolDir(config),
      `events-${sourceAddr(config.http.addr).replace(/[^A-Za-z0-9._-]/g, '_')}`,
    );
    if (withRedis) {
      const client = createRedis(config.redis, 'producer', {
        autoPipelining: true,
        name: `registry-events-${instanceId}`,
      });
      this.queues = new DeliveryQueues(
        client,
        {
          prefix: config.redis.prefix,
          endpoints: endpoints.map((endpoint) => endpoint.name),
          minReplicas: config.redis.minreplicas,
        },
        logger,
      );
      this.flusher = new SpoolFlusher(this.spool, this.queues, logger, {
        batchSize: 256,
        enqueueTimeout: Math.max(notifications.enqueuetimeout, 5_000),
        retryDelay: 100,
        maxRetryDelay: 2_000,
      });
    }
    this.broadcaster = new Broadcaster(
      endpoints,
      this.queues,
      this.spool,
      this.flusher,
      logger,
      notifications.enqueuetimeout,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.queues) return;
    await this.spool.open();
    if (this.spool.pending) this.flusher?.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    // Events handed in before shutdown are committed (to Redis or the spool) before either closes.
    await this.broadcaster.idle();
    await this.flusher?.close();
    await this.spool.close();
    await this.queues?.close();
  }
}

/** `notifications.spooldir`, else `_spool` under the filesystem storage root, else ./data/spool. */
export function spoolDir(config: RegistryConfig): string {
  if (config.notifications.spooldir) return config.notifications.spooldir;
  const root = config.storage.driver === 'filesystem' ? config.storage.filesystem?.rootdirectory : undefined;
  return root ? join(root, '_spool') : join('data', 'spool');
}
