import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { parseDigest } from '@app/oci';
import type { FileWriter, StorageDriver } from '@app/storage';
import { BlobStore, Paths } from '../storage/index.js';
import { header, type UpstreamResponse } from './upstream-client.js';
import { UpstreamError } from './upstream-error.js';

/** A fill that has not finished in this long is abandoned (its upstream pauses are bounded by the timeout). */
export const FILL_LIMIT_MS = 60 * 60_000;
const MAX_WRITES_IN_FLIGHT = 16;

/**
 * One blob on its way from an upstream into storage: the upstream's body is written to `_proxy/fills/<id>`
 * and hashed as it arrives, then, only when its size and digest are right, moved into the blob store.
 * Readers follow it (fill-reader.ts: each chunk as it is written, `chunk` events, or read back from the
 * file); the last byte is never readable before the digest is checked, so no client receives a whole blob
 * that turned out wrong. Wrong content is deleted, never stored.
 */
export class BlobFill extends EventEmitter {
  readonly path = Paths.proxyFill(randomUUID());
  /** From the upstream's Content-Length; undefined when it sent none (readers then wait for the end). */
  readonly size: number | undefined;
  /** Bytes received and hashed (handed to live readers as `chunk` events). */
  received = 0;
  /** Bytes in the fill's file (readers that are behind read them back); trails `received`. */
  written = 0;
  /** The chunks received and not yet written, in order: bytes `written`..`received`. */
  readonly inflight: { offset: number; chunk: Buffer }[] = [];
  /** `verified`: every byte written and the digest right; `stored`: in the blob store and linked. */
  state: 'filling' | 'verified' | 'stored' | 'failed' = 'filling';
  error?: Error;
  /** Resolves with the stored size once the blob is in the blob store; rejects when the fill fails. */
  readonly settled: Promise<number>;

  constructor(
    readonly digest: string,
    private readonly response: UpstreamResponse,
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
    /** Runs once the blob is in the blob store, before `settled` resolves (links it into the repository). */
    private readonly onStored: (size: number) => Promise<void>,
    private readonly onBytes: (count: number) => void = () => undefined,
  ) {
    super();
    this.setMaxListeners(0);
    const length = Number(header(response.headers, 'content-length'));
    this.size = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    this.settled = this.run();
    this.settled.catch(() => undefined);
  }

  /** Bytes a reader may take now: all once verified, else what is written short of the last byte. */
  get readable(): number {
    if (this.state === 'verified' || this.state === 'stored') return this.written;
    if (this.size === undefined) return 0;
    return Math.min(this.written, this.size - 1);
  }

  private write(writer: FileWriter, chunk: Buffer): Promise<void> {
    const written = writer.write(chunk).then(() => {
      this.inflight.shift();
      this.written += chunk.length;
      this.emit('progress');
    });
    written.catch(() => undefined);
    return written;
  }

  private async run(): Promise<number> {
    const limit = setTimeout(() => this.response.body.destroy(new Error('fill took too long')), FILL_LIMIT_MS);
    let writer: FileWriter | undefined;
    try {
      writer = await this.driver.writer(this.path);
      const hash = createHash(parseDigest(this.digest)!.algorithm);
      const writes: Promise<void>[] = [];
      for await (const chunk of this.response.body as AsyncIterable<Buffer>) {
        if (this.size !== undefined && this.received + chunk.length > this.size) {
          throw new UpstreamError('invalid', `more than the ${this.size} bytes announced`);
        }
        hash.update(chunk);
        this.inflight.push({ offset: this.received, chunk });
        this.received += chunk.length;
        this.onBytes(chunk.length);
        this.emit('chunk', chunk);
        writes.push(this.write(writer, chunk));
        // A few writes in flight (they land in order) keep the upstream's socket flowing; more waits.
        if (writes.length >= MAX_WRITES_IN_FLIGHT) await writes.shift();
      }
      await Promise.all(writes);
      const computed = `${parseDigest(this.digest)!.algorithm}:${hash.digest('hex')}`;
      if (this.size !== undefined && this.written !== this.size) {
        throw new UpstreamError('invalid', `${this.written} of the ${this.size} bytes announced`);
      }
      if (computed !== this.digest)
        throw new UpstreamError('invalid', `content of ${this.digest} hashes to ${computed}`);
      this.state = 'verified';
      this.emit('progress');
      await writer.commit();
      writer = undefined;
      await this.blobs.ingest(this.path, this.digest);
      await this.onStored(this.written);
      this.state = 'stored';
      this.emit('progress');
      return this.written;
    } catch (error) {
      this.state = 'failed';
      this.error = error instanceof UpstreamError ? error : new UpstreamError('unavailable', (error as Error).message);
      this.response.body.destroy();
      await (writer ? writer.cancel() : this.driver.delete(this.path)).catch(() => undefined);
      this.emit('progress');
      throw this.error;
    } finally {
      clearTimeout(limit);
    }
  }
}
