/**
 * Keeps the online collector from deleting a blob that a request is about to rely on. A request calls `use`
 * before it checks that a blob exists and then links or references it (an upload landing on content already
 * stored, a mount, a manifest PUT); the collector `claim`s a blob before deleting it and `release`s it after.
 * Each side records itself before it looks at the other (atomically, in Redis), so either the collector
 * sees the use and spares the blob, or the request waits until the deletion is over and then sees the blob
 * gone (and uploads it again, or answers MANIFEST_BLOB_UNKNOWN).
 */
export abstract class BlobFence {
  /** Records that `digests` are in use now; resolves once none of them is being deleted. */
  abstract use(digests: readonly string[]): Promise<void>;
  /** True (and the blob is then the collector's) unless the blob was used at or after `since` (ms). */
  abstract claim(digest: string, since: number): Promise<boolean>;
  /** Ends a claim: the deletion is over. */
  abstract release(digest: string): Promise<void>;
  /** Forgets uses older than `before` (ms). */
  abstract prune(before: number): Promise<void>;
}

/** Without online collection nothing is ever deleted under a request: nothing to fence. */
export class NoBlobFence extends BlobFence {
  override async use(): Promise<void> {}
  override async claim(): Promise<boolean> {
    return true;
  }
  override async release(): Promise<void> {}
  override async prune(): Promise<void> {}
}
