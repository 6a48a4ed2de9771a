import type { StorageError } from '../errors.js';
import { StagedWriter } from '../staged-writer.js';
import type { RadosData } from './rados-data.js';
import { fileValue, type FileEntry, type RadosTree } from './rados-tree.js';

/** Bytes gathered before they go to the data objects, and writes in flight at once. */
const STAGE = 1024 * 1024;
const IN_FLIGHT = 2;

export interface RadosWriterTarget {
  path: string;
  tree: RadosTree;
  data: RadosData;
  /** The file as linked when the writer opened (size 0 for a new or truncated file). */
  file: FileEntry;
  /** A librados failure as the port's error. */
  fail(error: unknown): StorageError;
  done(): void;
}

/**
 * Writes a file's data objects in place from its current size; `close` and `commit` then set the file's size in
 * its directory (one atomic omap update, guarded by the value the writer started from). Bytes a writer wrote
 * past the recorded size before it died are simply written over by the next one.
 */
export class RadosWriter extends StagedWriter {
  private stage?: Buffer;
  private staged = 0;
  private flushed: number;

  constructor(private readonly target: RadosWriterTarget) {
    super(target.file.size, target.path);
    this.flushed = target.file.size;
  }

  protected async discard(): Promise<void> {
    const { tree, data, file, path } = this.target;
    try {
      await tree.unlink(path, file.raw).catch(() => undefined);
      await data.remove({ ...file, size: this.size });
    } finally {
      this.target.done();
    }
  }

  /** A librados failure reaches the caller as the port's error. */
  protected async take(chunk: Buffer): Promise<void> {
    try {
      await this.gather(chunk);
    } catch (error) {
      throw this.target.fail(error);
    }
  }

  private async gather(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length;) {
      this.stage ??= Buffer.allocUnsafe(STAGE);
      const copied = chunk.copy(this.stage, this.staged, offset);
      this.staged += copied;
      offset += copied;
      if (this.staged === STAGE) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.staged === 0) return;
    const body = this.stage!.subarray(0, this.staged);
    const at = this.flushed;
    this.flushed += this.staged;
    this.stage = undefined;
    this.staged = 0;
    const { oid, chunkSize } = this.target.file;
    const write: Promise<void> = this.target.data
      .write(oid, chunkSize, at, body)
      .finally(() => this.inflight.delete(write));
    write.catch(() => undefined);
    this.inflight.add(write);
    if (this.inflight.size >= IN_FLIGHT) await Promise.race(this.inflight);
  }

  protected async finish(): Promise<void> {
    const { tree, file, path } = this.target;
    try {
      await this.pending;
      await this.flush();
      await Promise.all(this.inflight);
      if (this.size === file.size) return;
      await tree.link(path, fileValue(file.oid, this.size, Date.now(), file.chunkSize), file.raw);
    } catch (error) {
      throw this.target.fail(error);
    } finally {
      this.stage = undefined;
      this.target.done();
    }
  }
}
