import type { Redis } from 'ioredis';
import type { BlobDescriptor } from '../repository/index.js';
import { BlobDescriptorCache } from './blob-descriptor-cache.js';

/**
 * `redis`: distribution's layout under `redis.prefix`, shared by every registry process on the same Redis:
 *   <prefix>:blobs::<digest>                          hash {digest, size, mediatype}
 *   <prefix>:repository::<name>::blobs                set of digests linked in the repository
 *   <prefix>:repository::<name>::blobs::<digest>      hash {digest, mediatype} (the repository's media type)
 * Every operation is one round trip (a pipeline or MULTI). Errors propagate: the caller decides.
 */
export class RedisBlobDescriptorCache extends BlobDescriptorCache {
  readonly kind = 'redis';

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  async stat(repository: string | undefined, digest: string): Promise<BlobDescriptor | undefined> {
    if (repository === undefined) return toDescriptor(await this.client.hgetall(this.blobKey(digest)));
    const results = await this.client
      .pipeline()
      .sismember(this.repositoryKey(repository), digest)
      .hgetall(this.blobKey(digest))
      .hget(this.linkKey(repository, digest), 'mediatype')
      .exec();
    const [member, global, mediaType] = (results ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    if (member !== 1) return undefined;
    const descriptor = toDescriptor(global as Record<string, string>);
    return descriptor && typeof mediaType === 'string' ? { ...descriptor, mediaType } : descriptor;
  }

  async set(repository: string | undefined, descriptor: BlobDescriptor): Promise<void> {
    const { digest, size, mediaType } = descriptor;
    const transaction = this.client
      .multi()
      .hset(this.blobKey(digest), { digest, size: String(size) })
      .hsetnx(this.blobKey(digest), 'mediatype', mediaType);
    if (repository !== undefined) {
      transaction
        .sadd(this.repositoryKey(repository), digest)
        .hset(this.linkKey(repository, digest), { digest, mediatype: mediaType });
    }
    failed(await transaction.exec());
  }

  async clear(repository: string | undefined, digest: string): Promise<void> {
    if (repository === undefined) {
      await this.client.del(this.blobKey(digest));
      return;
    }
    failed(
      await this.client
        .multi()
        .srem(this.repositoryKey(repository), digest)
        .del(this.linkKey(repository, digest))
        .exec(),
    );
  }

  override whenRecovered(listener: () => void): void {
    this.client.on('ready', listener);
  }

  override async close(): Promise<void> {
    this.client.disconnect();
  }

  private blobKey(digest: string): string {
    return `${this.prefix}:blobs::${digest}`;
  }

  private repositoryKey(repository: string): string {
    return `${this.prefix}:repository::${repository}::blobs`;
  }

  private linkKey(repository: string, digest: string): string {
    return `${this.prefix}:repository::${repository}::blobs::${digest}`;
  }
}

/** Throws the first error of a pipeline's or transaction's results. */
function failed(results: [Error | null, unknown][] | null): void {
  const error = results?.find(([err]) => err)?.[0];
  if (error) throw error;
}

function toDescriptor(hash: Record<string, string> | null | undefined): BlobDescriptor | undefined {
  if (!hash?.digest || hash.size === undefined) return undefined;
  const size = Number(hash.size);
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  return { digest: hash.digest, size, mediaType: hash.mediatype ?? 'application/octet-stream' };
}
