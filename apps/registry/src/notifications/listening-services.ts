import type { Readable } from 'node:stream';
import { isDigest } from '@app/oci';
import type { Event, EventBuilder } from '@app/events';
import type { Logger } from '@app/logging';
import {
  BlobService,
  ManifestService,
  UploadService,
  type BlobDescriptor,
  type RequestContext,
  type ServedBlob,
  type StoredManifest,
  type UploadStatus,
} from '../repository/index.js';
import type { EventSink } from './event-sink.js';

/**
 * Decorators of the repository services (distribution's listener.go): each calls the inner service and,
 * only once it has succeeded, emits the events of the operation. Failures of the inner call propagate
 * untouched and emit nothing; failures to notify are logged and never reach the client.
 */
export class Notifier {
  constructor(
    readonly events: EventBuilder,
    private readonly sink: EventSink,
    private readonly logger: Logger,
  ) {}

  /** Builds and writes the events; never throws. */
  async emit(build: () => Event[]): Promise<void> {
    try {
      const events = build();
      if (events.length > 0) await this.sink.write(events);
    } catch (error) {
      this.logger.error({ err: error }, 'notification events could not be built or written');
    }
  }
}

export class ListeningBlobService extends BlobService {
  constructor(
    private readonly inner: BlobService,
    private readonly notifier: Notifier,
  ) {
    super();
  }

  override async serve(
    ctx: RequestContext,
    repository: string,
    digest: string,
    options: { head: boolean; range?: string },
  ): Promise<ServedBlob> {
    const served = await this.inner.serve(ctx, repository, digest, options);
    await this.notifier.emit(() => [
      this.notifier.events.blobPulled(ctx, repository, served.descriptor, served.upstream),
    ]);
    return served;
  }

  override async delete(ctx: RequestContext, repository: string, digest: string): Promise<void> {
    await this.inner.delete(ctx, repository, digest);
    await this.notifier.emit(() => [this.notifier.events.blobDeleted(ctx, repository, digest)]);
  }

  override async mount(
    ctx: RequestContext,
    repository: string,
    digest: string,
    from?: string,
  ): Promise<BlobDescriptor | undefined> {
    const mounted = await this.inner.mount(ctx, repository, digest, from);
    if (mounted) await this.notifier.emit(() => [this.notifier.events.blobMounted(ctx, repository, mounted, from)]);
    return mounted;
  }
}

export class ListeningUploadService extends UploadService {
  constructor(
    private readonly inner: UploadService,
    private readonly notifier: Notifier,
  ) {
    super();
  }

  override start(ctx: RequestContext, repository: string): Promise<UploadStatus> {
    return this.inner.start(ctx, repository);
  }

  override append(
    ctx: RequestContext,
    repository: string,
    id: string,
    body: Readable,
    offset?: number,
  ): Promise<UploadStatus> {
    return this.inner.append(ctx, repository, id, body, offset);
  }

  override status(ctx: RequestContext, repository: string, id: string): Promise<UploadStatus> {
    return this.inner.status(ctx, repository, id);
  }

  override cancel(ctx: RequestContext, repository: string, id: string): Promise<void> {
    return this.inner.cancel(ctx, repository, id);
  }

  override async commit(
    ctx: RequestContext,
    repository: string,
    id: string,
    digest: string,
    body?: Readable,
  ): Promise<BlobDescriptor> {
    const blob = await this.inner.commit(ctx, repository, id, digest, body);
    await this.notifier.emit(() => [this.notifier.events.blobPushed(ctx, repository, blob)]);
    return blob;
  }

  override async putMonolithic(
    ctx: RequestContext,
    repository: string,
    digest: string,
    body: Readable,
  ): Promise<BlobDescriptor> {
    const blob = await this.inner.putMonolithic(ctx, repository, digest, body);
    await this.notifier.emit(() => [this.notifier.events.blobPushed(ctx, repository, blob)]);
    return blob;
  }
}

export class ListeningManifestService extends ManifestService {
  constructor(
    private readonly inner: ManifestService,
    private readonly notifier: Notifier,
  ) {
    super();
  }

  override async get(
    ctx: RequestContext,
    repository: string,
    reference: string,
    accept: string[],
  ): Promise<StoredManifest> {
    const manifest = await this.inner.get(ctx, repository, reference, accept);
    const tag = manifest.tag ?? tagOf(reference);
    await this.notifier.emit(() => [
      this.notifier.events.manifestPulled(ctx, repository, manifest.descriptor, {
        tag,
        references: manifest.references,
        upstream: manifest.upstream,
      }),
    ]);
    return manifest;
  }

  /** Emits `push` after the inner put has linked the tag (distribution emits before; its issue #2625). */
  override async put(
    ctx: RequestContext,
    repository: string,
    reference: string,
    contentType: string,
    content: Buffer,
    tags: readonly string[] = [],
  ): Promise<StoredManifest> {
    const manifest = await this.inner.put(ctx, repository, reference, contentType, content, tags);
    const tagged = manifest.tags?.length ? manifest.tags : [manifest.tag ?? tagOf(reference)];
    await this.notifier.emit(() =>
      tagged.map((tag) =>
        this.notifier.events.manifestPushed(ctx, repository, manifest.descriptor, {
          tag,
          references: manifest.references,
        }),
      ),
    );
    return manifest;
  }

  /** `delete` for the digest (when one was deleted), then one per removed tag. */
  override async delete(
    ctx: RequestContext,
    repository: string,
    reference: string,
  ): Promise<{ digest?: string; tags: string[] }> {
    const deleted = await this.inner.delete(ctx, repository, reference);
    await this.notifier.emit(() => [
      ...(deleted.digest ? [this.notifier.events.manifestDeleted(ctx, repository, deleted.digest)] : []),
      ...deleted.tags.map((tag) => this.notifier.events.tagDeleted(ctx, repository, tag)),
    ]);
    return deleted;
  }
}

function tagOf(reference: string): string | undefined {
  return isDigest(reference) ? undefined : reference;
}
