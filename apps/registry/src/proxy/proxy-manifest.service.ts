import { RegistryError } from '../errors/index.js';
import { parseReference, TagStore } from '../manifests/index.js';
import { ManifestService, type RequestContext, type StoredManifest } from '../repository/index.js';
import type { ExpiryScheduler } from './expiry-scheduler.js';
import type { ManifestFetcher } from './manifest-fetcher.js';
import { readOnly, type ProxyFailures } from './proxy-failures.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import type { ProxiedRepository, ProxyRemotes } from './proxy-remotes.js';

/**
 * Manifests of cached repositories. By digest: from storage once cached (content addressed, never asked
 * again), else fetched. By tag: the upstream's HEAD decides whether the cached digest is current (after
 * `tagttl` has passed since the last check); a new digest is fetched; when the upstream cannot be asked the
 * cached tag is served, stale or not. Writes answer 405 UNSUPPORTED. Local repositories go to `inner`.
 */
export class ProxyManifestService extends ManifestService {
  /** When each cached tag (`repository:tag`) was last found current upstream (ms). */
  private readonly checked = new Map<string, number>();

  constructor(
    private readonly inner: ManifestService,
    private readonly remotes: ProxyRemotes,
    private readonly tags: TagStore,
    private readonly fetcher: ManifestFetcher,
    private readonly expiry: ExpiryScheduler,
    private readonly failures: ProxyFailures,
    private readonly metrics: ProxyMetrics,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  override async get(
    ctx: RequestContext,
    repository: string,
    reference: string,
    accept: string[],
  ): Promise<StoredManifest> {
    const proxied = this.remotes.resolve(repository);
    if (!proxied) return this.inner.get(ctx, repository, reference, accept);
    const ref = parseReference(reference);
    const hit =
      ref.digest !== undefined ? await this.cachedDigest(proxied, ref.digest) : await this.cachedTag(proxied, ref.tag);
    this.metrics[hit ? 'hit' : 'miss'](proxied.remote.prefix, 'manifest');
    const manifest = await this.inner.get(ctx, repository, reference, accept);
    this.expiry.touch('manifest', repository, manifest.descriptor.digest, proxied.remote.ttl);
    return { ...manifest, upstream: proxied.remote.url };
  }

  override put(
    ctx: RequestContext,
    repository: string,
    reference: string,
    contentType: string,
    content: Buffer,
  ): Promise<StoredManifest> {
    const proxied = this.remotes.resolve(repository);
    if (proxied) return Promise.reject(readOnly(proxied));
    return this.inner.put(ctx, repository, reference, contentType, content);
  }

  override delete(
    ctx: RequestContext,
    repository: string,
    reference: string,
  ): Promise<{ digest?: string; tags: string[] }> {
    const proxied = this.remotes.resolve(repository);
    if (proxied) return Promise.reject(readOnly(proxied));
    return this.inner.delete(ctx, repository, reference);
  }

  /** True when cached; otherwise fetches it (or throws the spec's error). */
  private async cachedDigest(proxied: ProxiedRepository, digest: string): Promise<boolean> {
    if (await this.fetcher.isRevision(proxied.repository, digest)) return true;
    try {
      await this.fetcher.fetch(proxied, digest);
    } catch (error) {
      throw this.failures.toClient(proxied, error, new RegistryError('MANIFEST_UNKNOWN', undefined, { digest }));
    }
    return false;
  }

  /** True when the cached tag is served as it is (current, trusted for `tagttl`, or stale); else refetched. */
  private async cachedTag(proxied: ProxiedRepository, tag: string): Promise<boolean> {
    const { repository, remote } = proxied;
    const key = `${repository}:${tag}`;
    const cached = await this.tags.resolve(repository, tag);
    const checkedAt = this.checked.get(key);
    if (cached && remote.tagttl > 0 && checkedAt !== undefined && this.now() - checkedAt < remote.tagttl) return true;
    try {
      // Never cached: one GET by tag (no HEAD first). Cached: the HEAD says whether it is still current.
      const current = cached ? await this.fetcher.current(proxied, tag) : undefined;
      const hit = current !== undefined && current === cached && (await this.fetcher.isRevision(repository, current));
      if (!hit) await this.fetcher.fetch(proxied, current ?? tag, tag);
      this.checked.set(key, this.now());
      return hit;
    } catch (error) {
      if (cached && this.failures.servesStale(proxied, error, `tag ${tag}`)) return true;
      throw this.failures.toClient(proxied, error, new RegistryError('MANIFEST_UNKNOWN', undefined, { tag }));
    }
  }
}
