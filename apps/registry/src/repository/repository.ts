import type { Readable } from 'node:stream';
import type { ReferenceDescriptor } from '@app/events';
import type { RequestContext } from './request-context.js';

/**
 * The repository services the HTTP layer calls. Each is an abstract class (a Nest DI token) with one
 * storage-backed implementation; the notifications area decorates them to emit events after success,
 * so the implementations and the controllers know nothing of notifications.
 *
 * Every method throws RegistryError (errors/registry-error.ts) for the spec's error cases.
 */
export interface BlobDescriptor {
  digest: string;
  size: number;
  mediaType: string;
}

export interface ByteRange {
  /** Inclusive first byte. */
  start: number;
  /** Inclusive last byte. */
  end: number;
}

export interface ServedBlob {
  descriptor: BlobDescriptor;
  /** Satisfied range when one was asked for. */
  range?: ByteRange;
  /** Absent for HEAD and for a redirect. */
  body?: Readable;
  /** The upstream a pull-through cache serves it for (its `remoteurl`); absent in a local repository. */
  upstream?: string;
  /** Where the client fetches the bytes instead (307): a presigned URL of the store. */
  redirect?: string;
}

export abstract class BlobService {
  /** GET or HEAD a blob linked in `repository` (head: no body). Emits `pull`. */
  abstract serve(
    ctx: RequestContext,
    repository: string,
    digest: string,
    options: { head: boolean; range?: string },
  ): Promise<ServedBlob>;
  /** Unlinks the blob from `repository`. Emits `delete`. */
  abstract delete(ctx: RequestContext, repository: string, digest: string): Promise<void>;
  /**
   * Links an existing blob into `repository` from `from` (or from any repository when `from` is absent and
   * the blob exists globally). Undefined when the blob is not available to mount. Emits `mount`.
   */
  abstract mount(
    ctx: RequestContext,
    repository: string,
    digest: string,
    from?: string,
  ): Promise<BlobDescriptor | undefined>;
}

export interface UploadStatus {
  id: string;
  /** Bytes received so far. */
  offset: number;
}

export abstract class UploadService {
  abstract start(ctx: RequestContext, repository: string): Promise<UploadStatus>;
  /** Appends a chunk at `offset` (must equal the current size). */
  abstract append(
    ctx: RequestContext,
    repository: string,
    id: string,
    body: Readable,
    offset?: number,
  ): Promise<UploadStatus>;
  abstract status(ctx: RequestContext, repository: string, id: string): Promise<UploadStatus>;
  abstract cancel(ctx: RequestContext, repository: string, id: string): Promise<void>;
  /** Appends the optional last chunk, verifies `digest`, links the blob. Emits `push`. */
  abstract commit(
    ctx: RequestContext,
    repository: string,
    id: string,
    digest: string,
    body?: Readable,
  ): Promise<BlobDescriptor>;
  /** Monolithic upload (POST ?digest=). Emits `push`. */
  abstract putMonolithic(
    ctx: RequestContext,
    repository: string,
    digest: string,
    body: Readable,
  ): Promise<BlobDescriptor>;
}

export interface StoredManifest {
  descriptor: BlobDescriptor;
  content: Buffer;
  /** Descriptors the manifest references (config and layers, or child manifests), with their urls and annotations. */
  references: ReferenceDescriptor[];
  /** The tag it was asked for by, when asked by tag. */
  tag?: string;
  /** After a PUT: every tag it was tagged with (the reference's and those of `?tag=`). */
  tags?: string[];
  /** Digest of the OCI 1.1 `subject` it refers to, if any (the `OCI-Subject` response header of a PUT). */
  subject?: string;
  /** The upstream a pull-through cache serves it for (its `remoteurl`); absent in a local repository. */
  upstream?: string;
}

export abstract class ManifestService {
  /** GET or HEAD by tag or digest; `accept` is the client's Accept list. Emits `pull`. */
  abstract get(ctx: RequestContext, repository: string, reference: string, accept: string[]): Promise<StoredManifest>;
  /**
   * Validates, stores and links the manifest to its tags: the reference's, if a tag, and `tags` (the `?tag=`
   * of distribution-spec 1.1). Emits `push` after the tags are linked, one per tag (one untagged without).
   */
  abstract put(
    ctx: RequestContext,
    repository: string,
    reference: string,
    contentType: string,
    content: Buffer,
    tags?: readonly string[],
  ): Promise<StoredManifest>;
  /**
   * Deletes by digest (the revision and every tag pointing at it) or by tag (that tag only).
   * Emits `delete` for the digest, then one per removed tag.
   */
  abstract delete(
    ctx: RequestContext,
    repository: string,
    reference: string,
  ): Promise<{ digest?: string; tags: string[] }>;
}
