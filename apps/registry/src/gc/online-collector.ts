import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { StorageDriver } from '@app/storage';
import { BlobFence } from './blob-fence.js';
import { CollectorLock } from './collector-lock.js';
import { GarbageCollector, type CollectReport } from './garbage-collector.js';

/** The Redis connection of online collection (undefined when storage.gc is off). */
export const GC_REDIS = Symbol('GC_REDIS');

/**
 * storage.gc: every `interval`, the registry process that takes the lock collects online (see OnlineGuard):
 * every revision's references are marked, unmarked blobs older than `graceperiod` that no request used since
 * the mark began are deleted. The others try again after the interval.
 */
@Injectable()
export class OnlineCollector implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly driver: StorageDriver,
    private readonly config: RegistryConfig,
    private readonly logger: AppLogger,
    private readonly fence: BlobFence,
    @Inject(GC_REDIS) private readonly redis: Redis | undefined,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.redis) return;
    if (this.config.storage.maintenance.readonly.enabled) {
      this.logger.info('online garbage collection is off in read-only mode');
      return;
    }
    this.schedule(this.config.storage.gc.interval);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.redis?.quit().catch(() => undefined);
  }

  /** One collection if this process gets the lock; undefined when another process holds it. */
  async collect(): Promise<CollectReport | undefined> {
    const lock = new CollectorLock(this.redis!, `${this.config.redis.prefix}:gc:lock`);
    if (!(await lock.acquire())) return undefined;
    try {
      const since = Date.now() - this.config.storage.gc.graceperiod;
      await this.fence.prune(since);
      const online = { since, fence: this.fence, held: () => lock.held };
      return await new GarbageCollector(this.driver).collect({ online });
    } finally {
      await lock.release();
    }
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const started = Date.now();
    const running = this.collect();
    this.running = running.catch(() => undefined);
    try {
      const report = await running;
      if (report) {
        const { blobsDeleted, bytesDeleted, blobsMarked } = report;
        this.logger.info({ blobsDeleted, bytesDeleted, blobsMarked, ms: Date.now() - started }, 'gc: collection done');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'gc: collection failed; next try after the interval');
    } finally {
      this.running = undefined;
      if (!this.stopped) this.schedule(this.config.storage.gc.interval);
    }
  }
}
