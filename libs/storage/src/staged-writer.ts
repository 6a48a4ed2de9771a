import { StorageError } from './errors.js';
import type { FileWriter } from './storage-driver.js';

/**
 * What the object-store writers (s3, rados) share: writes taken one after another, the attempts they send
 * (`inflight`) tracked, `commit`/`close` finishing once, `cancel` waiting for what is in flight before it
 * discards. A driver supplies `take` (gather a chunk, send what is full), `finish` and `discard`.
 */
export abstract class StagedWriter implements FileWriter {
  protected readonly inflight = new Set<Promise<void>>();
  /** The writes handed in so far, one after another (finish awaits them). */
  protected pending: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    public size: number,
    private readonly path: string,
  ) {}

  write(chunk: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError('writer already closed', this.path));
    this.size += chunk.length;
    this.pending = this.pending.then(() => this.take(chunk));
    return this.pending;
  }

  async commit(): Promise<void> {
    if (this.closed) throw new StorageError('writer already closed', this.path);
    this.closed = true;
    await this.finish();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.finish();
  }

  async cancel(): Promise<void> {
    this.closed = true;
    await this.pending.catch(() => undefined);
    await Promise.allSettled(this.inflight);
    await this.discard();
  }

  protected abstract take(chunk: Buffer): Promise<void>;
  protected abstract finish(): Promise<void>;
  protected abstract discard(): Promise<void>;
}
