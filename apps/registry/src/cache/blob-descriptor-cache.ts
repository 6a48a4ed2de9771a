import type { BlobDescriptor } from '../repository/index.js';

/**
 * distribution's blob-descriptor cache (`storage.cache.blobdescriptor`): what is known of a digest
 * globally (size, media type) and per repository (that it is linked there). A repository-scoped `stat`
 * answers only when the digest is known both in that repository and globally. Undefined is a miss, never
 * a statement that the blob is absent: absence always comes from storage.
 */
export abstract class BlobDescriptorCache {
  abstract readonly kind: string;
  /** The descriptor of `digest` in `repository` (globally when undefined), or undefined on a miss. */
  abstract stat(repository: string | undefined, digest: string): Promise<BlobDescriptor | undefined>;
  /** Records `descriptor` globally and, with a repository, as linked there. */
  abstract set(repository: string | undefined, descriptor: BlobDescriptor): Promise<void>;
  /** Forgets `digest` in `repository` (the link was removed), or everywhere when undefined (content removed). */
  abstract clear(repository: string | undefined, digest: string): Promise<void>;
  /** Calls `listener` whenever the cache is reachable again after losing its connection. */
  whenRecovered(_listener: () => void): void {}
  /** Releases connections. */
  async close(): Promise<void> {}
}

/** Hit and miss counts (for the cache hit-ratio metric). */
export class CacheCounters {
  hits = 0;
  misses = 0;
}

/** `storage.cache` absent: every lookup is a miss and nothing is kept. */
export class NoBlobDescriptorCache extends BlobDescriptorCache {
  readonly kind = 'none';
  async stat(): Promise<undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async clear(): Promise<void> {}
}
