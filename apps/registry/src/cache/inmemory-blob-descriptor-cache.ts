import type { BlobDescriptor } from '../repository/index.js';
import { BlobDescriptorCache } from './blob-descriptor-cache.js';

/**
 * `inmemory`: descriptors in this process, least recently used dropped past `capacity` entries (global
 * and per-repository entries counted together). Not shared between registry processes.
 */
export class InMemoryBlobDescriptorCache extends BlobDescriptorCache {
  readonly kind = 'inmemory';
  private readonly global = new Map<string, BlobDescriptor>();
  private readonly linked = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {
    super();
  }

  async stat(repository: string | undefined, digest: string): Promise<BlobDescriptor | undefined> {
    const descriptor = touch(this.global, digest);
    if (!descriptor || repository === undefined) return descriptor;
    const mediaType = touch(this.linked, key(repository, digest));
    return mediaType === undefined ? undefined : { ...descriptor, mediaType };
  }

  async set(repository: string | undefined, descriptor: BlobDescriptor): Promise<void> {
    this.put(this.global, descriptor.digest, {
      digest: descriptor.digest,
      size: descriptor.size,
      mediaType: descriptor.mediaType,
    });
    if (repository !== undefined) this.put(this.linked, key(repository, descriptor.digest), descriptor.mediaType);
  }

  async clear(repository: string | undefined, digest: string): Promise<void> {
    if (repository === undefined) this.global.delete(digest);
    else this.linked.delete(key(repository, digest));
  }

  get size(): number {
    return this.global.size + this.linked.size;
  }

  private put<T>(map: Map<string, T>, entry: string, value: T): void {
    map.delete(entry);
    map.set(entry, value);
    while (this.global.size + this.linked.size > this.capacity) {
      const oldest = this.linked.size >= this.global.size ? this.linked : this.global;
      const first = oldest.keys().next();
      if (first.done) break;
      oldest.delete(first.value);
    }
  }
}

function key(repository: string, digest: string): string {
  return `${repository}\0${digest}`;
}

/** Reads an entry and marks it most recently used. */
function touch<T>(map: Map<string, T>, entry: string): T | undefined {
  const value = map.get(entry);
  if (value !== undefined) {
    map.delete(entry);
    map.set(entry, value);
  }
  return value;
}
