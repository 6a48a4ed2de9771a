import { Injectable, Optional } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { parseDigest, type DigestAlgorithm } from '@app/oci';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { RegistryError } from '../errors/index.js';
import { UploadService, type BlobDescriptor, type RequestContext, type UploadStatus } from '../repository/index.js';
import { BlobStore, LinkStore, Paths, type StoredBlob } from '../storage/index.js';
import { CachedBlobStatter } from '../cache/index.js';
import { BlobFence, NoBlobFence } from '../gc/blob-fence.js';
import { ClientDisconnectedError } from './client-disconnected.js';
import { writeChunk } from './chunk-writer.js';
import { KeyedLock } from './keyed-lock.js';
import { assertWritable } from './read-only.js';
import { UploadHashes, type UploadHash } from './upload-hashes.js';
import { outOfOrder, UploadStore } from './upload-store.js';

/** sha256 is hashed while every chunk streams in (it is what clients use); others are added when asked for. */
const CANONICAL: DigestAlgorithm = 'sha256';
const BLOB_MEDIA_TYPE = 'application/octet-stream';

/**
 * Uploads over storage (distribution's blob writer): chunks are appended to the session's data file as
 * they stream in, hashed on the way; the commit checks the digest, moves the data into the blob store
 * (BlobStore.ingest settles two clients committing the same content) and links it into the repository.
 * A digest mismatch cancels the upload: nothing is stored. The requests of one session are serialized.
 */
@Injectable()
export class StorageUploadService extends UploadService {
  private readonly hashes = new UploadHashes();
  private readonly locks = new KeyedLock();

  constructor(
    private readonly store: UploadStore,
    private readonly blobs: BlobStore,
    private readonly links: LinkStore,
    private readonly statter: CachedBlobStatter,
    private readonly logger: AppLogger,
    private readonly config: RegistryConfig,
    @Optional() private readonly fence: BlobFence = new NoBlobFence(),
  ) {
    super();
  }

  override async start(_ctx: RequestContext, repository: string): Promise<UploadStatus> {
    assertWritable(this.config);
    return { id: await this.store.create(repository), offset: 0 };
  }

  override append(
    _ctx: RequestContext,
    repository: string,
    id: string,
    body: Readable,
    offset?: number,
  ): Promise<UploadStatus> {
    return this.locks.run(id, async () => {
      assertWritable(this.config);
      const size = await this.store.size(repository, id);
      if (offset !== undefined && offset !== size) throw outOfOrder(repository, id, size, offset);
      const state = await this.receive(repository, id, size, body, [CANONICAL], false);
      return { id, offset: state.offset };
    });
  }

  override status(_ctx: RequestContext, repository: string, id: string): Promise<UploadStatus> {
    return this.locks.run(id, async () => ({ id, offset: await this.store.size(repository, id) }));
  }

  override cancel(_ctx: RequestContext, repository: string, id: string): Promise<void> {
    return this.locks.run(id, async () => {
      assertWritable(this.config);
      await this.store.size(repository, id);
      this.hashes.drop(id);
      await this.store.remove(repository, id);
    });
  }

  override commit(
    _ctx: RequestContext,
    repository: string,
    id: string,
    digest: string,
    body?: Readable,
  ): Promise<BlobDescriptor> {
    return this.locks.run(id, async () => {
      assertWritable(this.config);
      const algorithm = parseDigest(digest)?.algorithm;
      if (!algorithm) throw new RegistryError('DIGEST_INVALID', 'invalid digest', { digest });
      const size = await this.store.size(repository, id);
      const state = body
        ? await this.receive(repository, id, size, body, [...new Set([CANONICAL, algorithm])], true)
        : await this.hashes.resume(id, size, [algorithm], (n) => this.store.reader(repository, id, n));
      return this.ingest(repository, id, digest, state, body === undefined);
    });
  }

  override async putMonolithic(
    ctx: RequestContext,
    repository: string,
    digest: string,
    body: Readable,
  ): Promise<BlobDescriptor> {
    const { id } = await this.start(ctx, repository);
    return this.commit(ctx, repository, id, digest, body);
  }

  /**
   * Appends `body` at `size` with the upload's running hashes. When the client disconnects midway the
   * bytes received stay, the state is kept for the next chunk, and ClientDisconnectedError is thrown.
   */
  private async receive(
    repository: string,
    id: string,
    size: number,
    body: Readable,
    algorithms: DigestAlgorithm[],
    durable: boolean,
  ): Promise<UploadHash> {
    const state = await this.hashes.resume(id, size, algorithms, (n) => this.store.reader(repository, id, n));
    const writer = await this.store.appender(repository, id);
    const { interrupted } = await writeChunk(body, writer, state, durable);
    this.hashes.keep(id, state);
    if (interrupted !== undefined) {
      this.logger.info(
        { upload: id, repository, offset: state.offset },
        'client disconnected during upload; received bytes kept',
      );
      throw new ClientDisconnectedError(id, state.offset, { cause: interrupted });
    }
    return state;
  }

  /**
   * Verifies and moves the data into the blob store. The data is made durable first (`flush`: chunks were
   * only handed to the OS), so a crash can never leave a blob whose content is not all on disk.
   */
  private async ingest(
    repository: string,
    id: string,
    digest: string,
    state: UploadHash,
    flush: boolean,
  ): Promise<BlobDescriptor> {
    const algorithm = parseDigest(digest)!.algorithm;
    const computed = state.digest(algorithm);
    if (computed !== digest) {
      this.hashes.drop(id);
      await this.store.remove(repository, id);
      throw new RegistryError('DIGEST_INVALID', undefined, { expected: digest, computed });
    }
    if (flush) await (await this.store.appender(repository, id)).commit();
    await this.fence.use([digest]);
    const blob = await this.place(repository, id, digest);
    this.hashes.drop(id);
    await this.store.remove(repository, id);
    const descriptor = { digest, size: blob.size, mediaType: BLOB_MEDIA_TYPE };
    await this.statter.remember(repository, descriptor);
    return descriptor;
  }

  /**
   * Moves the content into the blob store and links it into the repository at the same time: a link
   * whose content is not there yet shows nothing (a blob is served only when both exist), so the order
   * does not matter and the commit waits for one round of storage writes, not two. When the move fails
   * the link goes again.
   */
  private async place(repository: string, id: string, digest: string): Promise<StoredBlob> {
    const link = Paths.layerLink(repository, digest);
    const [moved, linked] = await Promise.allSettled([
      this.blobs.ingest(this.store.dataPath(repository, id), digest),
      this.links.write(link, digest),
    ]);
    if (moved.status === 'rejected') {
      if (linked.status === 'fulfilled') await this.links.remove(link).catch(() => undefined);
      throw moved.reason;
    }
    if (linked.status === 'rejected') throw linked.reason;
    return moved.value;
  }
}
