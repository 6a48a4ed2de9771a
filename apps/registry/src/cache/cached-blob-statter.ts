import type { Logger } from '@app/logging';
import type { BlobDescriptor } from '../repository/index.js';
import { BlobDescriptorCache, CacheCounters } from './blob-descriptor-cache.js';

/** How long lookups bypass a cache that just failed (a stalled Redis costs one timeout, not one per request). */
export const CACHE_BYPASS_MS = 5_000;

/**
 * The decorator the blob services call around their storage lookups (distribution's cachedBlobStatter):
 * a hit answers without touching storage; a miss asks storage and remembers the answer. A cache that
 * fails (Redis down or stalled) counts as a miss and is logged, never failing the request, and is then
 * bypassed for CACHE_BYPASS_MS, so that a stalled Redis costs one timeout rather than one per lookup.
 * Removal clears the entry before and after the storage change, bypass or not; a failure of the first
 * clear fails the removal (nothing changed yet). As in distribution, a reader that loaded the old link just
 * before the removal may re-cache it; the clear after the removal narrows that.
 */
export class CachedBlobStatter {
  private lastWarning = 0;
  /** Until when reads and writes skip the cache after a failure. Removals never skip it (no stale hits). */
  private bypassUntil = 0;

  constructor(
    private readonly cache: BlobDescriptorCache,
    readonly counters: CacheCounters,
    private readonly logger: Logger,
  ) {
    // A reconnected cache is worth asking again at once; a stalled one (no reconnect) waits out the bypass.
    cache.whenRecovered(() => (this.bypassUntil = 0));
  }

  /** The descriptor of `digest` in `repository` (globally when undefined), from the cache or `load`. */
  async stat(
    repository: string | undefined,
    digest: string,
    load: () => Promise<BlobDescriptor | undefined>,
  ): Promise<BlobDescriptor | undefined> {
    const cached = this.bypassed()
      ? undefined
      : await this.cache.stat(repository, digest).catch((error: unknown) => this.warn(error, 'read'));
    if (cached) {
      this.counters.hits += 1;
      return cached;
    }
    this.counters.misses += 1;
    const descriptor = await load();
    if (descriptor && !this.bypassed())
      await this.cache.set(repository, descriptor).catch((error: unknown) => this.warn(error, 'write'));
    return descriptor;
  }

  /** Runs `remove` (an unlink or a content removal) with the entry cleared around it. */
  async removing<T>(repository: string | undefined, digest: string, remove: () => Promise<T>): Promise<T> {
    await this.cache.clear(repository, digest);
    try {
      return await remove();
    } finally {
      await this.cache.clear(repository, digest).catch((error: unknown) => this.warn(error, 'clear'));
    }
  }

  /** Records a descriptor known to be linked (after a push or mount). */
  async remember(repository: string | undefined, descriptor: BlobDescriptor): Promise<void> {
    if (this.bypassed()) return;
    await this.cache.set(repository, descriptor).catch((error: unknown) => this.warn(error, 'write'));
  }

  /** At most one warning a second: a Redis outage must not flood the log. */
  private bypassed(): boolean {
    return Date.now() < this.bypassUntil;
  }

  private warn(error: unknown, operation: string): undefined {
    const now = Date.now();
    this.bypassUntil = now + CACHE_BYPASS_MS;
    if (now - this.lastWarning >= 1_000) {
      this.lastWarning = now;
      this.logger.warn(
        { err: error, cache: this.cache.kind, operation },
        'blob descriptor cache unavailable; using storage',
      );
    }
    return undefined;
  }
}
