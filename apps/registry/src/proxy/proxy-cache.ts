import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RegistryConfig, redisConfigured } from '@app/config';
import { AppLogger } from '@app/logging';
import { createRedis } from '@app/redis';
import { StorageDriver } from '@app/storage';
import { CachedBlobStatter } from '../cache/index.js';
import { instanceId } from '../instance.js';
import { ReferrersIndex, RepositoryListing, TagStore } from '../manifests/index.js';
import type { BlobService, ManifestService, UploadService } from '../repository/index.js';
import { BlobStore, LinkStore } from '../storage/index.js';
import { BlobFetcher } from './blob-fetcher.js';
import { ExpiryScheduler } from './expiry-scheduler.js';
import { RedisExpiryStore, StorageExpiryStore } from './expiry-store.js';
import { FillLock } from './fill-lock.js';
import { ManifestFetcher } from './manifest-fetcher.js';
import { ProxyBlobService } from './proxy-blob.service.js';
import { ProxyFailures } from './proxy-failures.js';
import { ProxyManifestService } from './proxy-manifest.service.js';
import { ProxyMetrics } from './proxy-metrics.js';
import { ProxyRemotes } from './proxy-remotes.js';
import { ProxyTagListing } from './proxy-tag-listing.js';
import { ReadOnlyUploads } from './read-only-uploads.js';
import { Upstreams } from './upstreams.js';

/**
 * The pull-through cache (`proxy.*`), assembled from its parts: the repository module wraps the storage
 * services with `blobs`/`uploads`/`manifests` (the notifications listener then wraps these, so a pull from
 * the cache is an ordinary `pull` event), and the tags controller lists through `tags`. Without `proxy`
 * configured each wrapper returns the service it is given.
 */
@Injectable()
export class ProxyCache implements OnModuleInit, OnApplicationShutdown {
  readonly remotes: ProxyRemotes;
  readonly tags: ProxyTagListing;
  private readonly upstreams: Upstreams;
  private readonly redis?: Redis;
  private readonly metrics = new ProxyMetrics();
  private readonly failures: ProxyFailures;
  private readonly blobFetcher: BlobFetcher;
  private readonly manifestFetcher: ManifestFetcher;
  private readonly expiry: ExpiryScheduler;
  private readonly lock: FillLock;
  private readonly tagStore: TagStore;

  constructor(
    config: RegistryConfig,
    driver: StorageDriver,
    blobs: BlobStore,
    links: LinkStore,
    tagStore: TagStore,
    referrers: ReferrersIndex,
    listing: RepositoryListing,
    statter: CachedBlobStatter,
    private readonly logger: AppLogger,
  ) {
    this.remotes = ProxyRemotes.fromConfig(config.proxy);
    this.upstreams = new Upstreams(this.remotes);
    if (this.remotes.enabled && redisConfigured(config.redis)) {
      this.redis = createRedis(config.redis, 'producer', { name: `registry-proxy-${instanceId}` });
      this.redis.on('error', () => undefined);
    }
    const prefix = config.redis.prefix;
    this.failures = new ProxyFailures(this.metrics, logger);
    this.lock = new FillLock(this.redis, prefix, logger);
    this.blobFetcher = new BlobFetcher(this.upstreams, driver, blobs, links, statter, this.lock, this.metrics, logger);
    this.manifestFetcher = new ManifestFetcher(this.upstreams, blobs, links, tagStore, referrers);
    const store = this.redis
      ? new RedisExpiryStore(this.redis, `${prefix}:proxy:expiry`)
      : new StorageExpiryStore(driver);
    this.expiry = new ExpiryScheduler(this.remotes, store, blobs, links, tagStore, statter, logger);
    this.tags = new ProxyTagListing(listing, this.remotes, this.upstreams, this.failures);
    this.tagStore = tagStore;
  }

  blobs(inner: BlobService): BlobService {
    if (!this.remotes.enabled) return inner;
    return new ProxyBlobService(inner, this.remotes, this.blobFetcher, this.expiry, this.failures, this.metrics);
  }

  uploads(inner: UploadService): UploadService {
    return this.remotes.enabled ? new ReadOnlyUploads(inner, this.remotes) : inner;
  }

  manifests(inner: ManifestService): ManifestService {
    if (!this.remotes.enabled) return inner;
    const { remotes, tagStore, manifestFetcher, expiry, failures, metrics } = this;
    return new ProxyManifestService(inner, remotes, tagStore, manifestFetcher, expiry, failures, metrics);
  }

  onModuleInit(): void {
    if (!this.remotes.enabled) return;
    this.expiry.start();
    this.blobFetcher
      .removeAbandonedFills()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'proxy: abandoned fills not removed'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.expiry.stop();
    await this.upstreams.close();
    await this.lock.close();
  }
}
