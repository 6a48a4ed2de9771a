import { RegistryError } from '../errors/index.js';
import { BlobService, type BlobDescriptor, type RequestContext, type ServedBlob } from '../repository/index.js';
import type { BlobFetcher } from './blob-fetcher.js';
import type { ExpiryScheduler } from './expiry-scheduler.js';
import { readOnly, type ProxyFailures } from './proxy-failures.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import type { ProxyRemotes } from './proxy-remotes.js';

/**
 * Blobs of cached repositories: served from storage when cached (a hit), else fetched through the
 * BlobFetcher and streamed to the client while they are written. Every pull of cached content renews
 * its `ttl`. Deletes and mounts answer 405 UNSUPPORTED. Local repositories go to `inner`.
 */
export class ProxyBlobService extends BlobService {
  constructor(
    private readonly inner: BlobService,
    private readonly remotes: ProxyRemotes,
    private readonly fetcher: BlobFetcher,
    private readonly expiry: ExpiryScheduler,
    private readonly failures: ProxyFailures,
    private readonly metrics: ProxyMetrics,
  ) {
    super();
  }

  override async serve(
    ctx: RequestContext,
    repository: string,
    digest: string,
    options: { head: boolean; range?: string },
  ): Promise<ServedBlob> {
    const proxied = this.remotes.resolve(repository);
    if (!proxied) return this.inner.serve(ctx, repository, digest, options);
    const { remote } = proxied;
    let served = await this.inner.serve(ctx, repository, digest, options).catch((error: unknown) => {
      if (error instanceof RegistryError && error.code === 'BLOB_UNKNOWN') return undefined;
      throw error;
    });
    this.metrics[served ? 'hit' : 'miss'](remote.prefix, 'blob');
    if (!served) {
      const fetched = await this.fetcher.fetch(proxied, digest, options).catch((error: unknown) => {
        throw this.failures.toClient(proxied, error, new RegistryError('BLOB_UNKNOWN', undefined, { digest }));
      });
      served = fetched === 'linked' ? await this.inner.serve(ctx, repository, digest, options) : fetched;
      // A HEAD of a blob not cached asks the upstream only: nothing is stored whose expiry to renew.
      if (options.head && fetched !== 'linked') return { ...served, upstream: remote.url };
    }
    this.expiry.touch('blob', repository, digest, remote.ttl);
    return { ...served, upstream: remote.url };
  }

  override async delete(ctx: RequestContext, repository: string, digest: string): Promise<void> {
    const proxied = this.remotes.resolve(repository);
    if (proxied) throw readOnly(proxied);
    return this.inner.delete(ctx, repository, digest);
  }

  override async mount(
    ctx: RequestContext,
    repository: string,
    digest: string,
    from?: string,
  ): Promise<BlobDescriptor | undefined> {
    const proxied = this.remotes.resolve(repository);
    if (proxied) throw readOnly(proxied);
    return this.inner.mount(ctx, repository, digest, from);
  }
}
