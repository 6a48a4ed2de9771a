import { Injectable, Optional } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { PathNotFoundError } from '@app/storage';
import { RegistryError } from '../errors/index.js';
import { BlobService, type BlobDescriptor, type RequestContext, type ServedBlob } from '../repository/index.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import { CachedBlobStatter } from '../cache/index.js';
import { BlobFence, NoBlobFence } from '../gc/blob-fence.js';
import { requestedRange } from './byte-ranges.js';
import { assertWritable } from './read-only.js';

const BLOB_MEDIA_TYPE = 'application/octet-stream';

/**
 * Blobs as a repository sees them (distribution's linked blob store): content in the shared BlobStore,
 * visible in a repository only through its `_layers` link. Lookups go through the blob-descriptor cache. A GET
 * on a driver that gives URLs (s3) is redirected to one unless storage.redirect.disable; a HEAD stays here.
 */
@Injectable()
export class StorageBlobService extends BlobService {
  constructor(
    private readonly blobs: BlobStore,
    private readonly links: LinkStore,
    private readonly statter: CachedBlobStatter,
    private readonly config: RegistryConfig,
    @Optional() private readonly fence: BlobFence = new NoBlobFence(),
  ) {
    super();
  }

  override async serve(
    _ctx: RequestContext,
    repository: string,
    digest: string,
    options: { head: boolean; range?: string },
  ): Promise<ServedBlob> {
    const descriptor = await this.linked(repository, digest);
    if (!descriptor) throw blobUnknown(digest);
    const range = requestedRange(options.range, descriptor.size);
    if (options.head || descriptor.size === 0) return { descriptor, range };
    const redirect = this.config.storage.redirect.disable ? undefined : await this.blobs.url(digest);
    if (redirect) return { descriptor, redirect };
    const body = await this.blobs.reader(digest, range?.start ?? 0, range?.end).catch((error: unknown) => {
      // A cached descriptor can outlive content removed behind the registry's back (garbage collection).
      if (error instanceof PathNotFoundError) throw blobUnknown(digest);
      throw error;
    });
    return { descriptor, range, body };
  }

  override async delete(_ctx: RequestContext, repository: string, digest: string): Promise<void> {
    assertWritable(this.config);
    if (!this.config.storage.delete.enabled)
      throw new RegistryError('UNSUPPORTED', 'deletes are disabled (storage.delete.enabled)');
    if (!(await this.links.exists(Paths.layerLink(repository, digest)))) throw blobUnknown(digest);
    await this.statter.removing(repository, digest, () => this.links.remove(Paths.layerDir(repository, digest)));
  }

  /**
   * With `from`: the blob must be linked there (auth has checked pull access to `from`). Without: any blob
   * the registry holds, as OCI 1.1 allows (a registry may find the source itself; distribution 2.8
   * predates that and starts an upload), except under `auth.token`, whose per-repository scopes could not
   * be checked for an unnamed source: there a digest alone must not open another repository's content.
   * Undefined (the caller starts an upload instead) when there is nothing to mount.
   */
  override async mount(
    _ctx: RequestContext,
    repository: string,
    digest: string,
    from?: string,
  ): Promise<BlobDescriptor | undefined> {
    assertWritable(this.config);
    if (from === undefined && this.config.auth?.token) return undefined;
    await this.fence.use([digest]);
    const source =
      from === undefined
        ? await this.statter.stat(undefined, digest, () => this.stored(digest))
        : await this.linked(from, digest);
    if (!source) return undefined;
    await this.links.write(Paths.layerLink(repository, digest), digest);
    await this.statter.remember(repository, source);
    return source;
  }

  /** The descriptor of a blob linked in `repository` whose content exists, else undefined. */
  private linked(repository: string, digest: string): Promise<BlobDescriptor | undefined> {
    return this.statter.stat(repository, digest, async () => {
      if (!(await this.links.exists(Paths.layerLink(repository, digest)))) return undefined;
      return this.stored(digest);
    });
  }

  private async stored(digest: string): Promise<BlobDescriptor | undefined> {
    const blob = await this.blobs.stat(digest);
    return blob && { digest, size: blob.size, mediaType: BLOB_MEDIA_TYPE };
  }
}

function blobUnknown(digest: string): RegistryError {
  return new RegistryError('BLOB_UNKNOWN', undefined, { digest });
}
