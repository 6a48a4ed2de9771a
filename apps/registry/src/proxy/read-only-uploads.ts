import type { Readable } from 'node:stream';
import { UploadService, type BlobDescriptor, type RequestContext, type UploadStatus } from '../repository/index.js';
import { readOnly } from './proxy-failures.js';
import type { ProxyRemotes } from './proxy-remotes.js';

/** Uploads into a cached repository answer 405 UNSUPPORTED; local repositories go to `inner`. */
export class ReadOnlyUploads extends UploadService {
  constructor(
    private readonly inner: UploadService,
    private readonly remotes: ProxyRemotes,
  ) {
    super();
  }

  override start(ctx: RequestContext, repository: string): Promise<UploadStatus> {
    return this.writable(repository, () => this.inner.start(ctx, repository));
  }

  override append(
    ctx: RequestContext,
    repository: string,
    id: string,
    body: Readable,
    offset?: number,
  ): Promise<UploadStatus> {
    return this.writable(repository, () => this.inner.append(ctx, repository, id, body, offset));
  }

  override status(ctx: RequestContext, repository: string, id: string): Promise<UploadStatus> {
    return this.writable(repository, () => this.inner.status(ctx, repository, id));
  }

  override cancel(ctx: RequestContext, repository: string, id: string): Promise<void> {
    return this.writable(repository, () => this.inner.cancel(ctx, repository, id));
  }

  override commit(
    ctx: RequestContext,
    repository: string,
    id: string,
    digest: string,
    body?: Readable,
  ): Promise<BlobDescriptor> {
    return this.writable(repository, () => this.inner.commit(ctx, repository, id, digest, body));
  }

  override putMonolithic(
    ctx: RequestContext,
    repository: string,
    digest: string,
    body: Readable,
  ): Promise<BlobDescriptor> {
    return this.writable(repository, () => this.inner.putMonolithic(ctx, repository, digest, body));
  }

  private async writable<T>(repository: string, write: () => Promise<T>): Promise<T> {
    const proxied = this.remotes.resolve(repository);
    if (proxied) throw readOnly(proxied);
    return write();
  }
}
