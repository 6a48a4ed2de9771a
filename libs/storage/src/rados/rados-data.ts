import { Readable } from 'node:stream';
import type { RadosPool } from './rados-pool.js';
import { chunkOid, type FileEntry } from './rados-tree.js';

/** Bytes read per librados call when streaming. */
const READ_PIECE = 1024 * 1024;
/** Data objects removed at once. */
const REMOVE_AT_ONCE = 8;

/**
 * The data objects of files: a file's byte `i` is at offset `i % chunkSize` of object `<oid>.<i / chunkSize>`.
 * Objects of a file that was replaced or deleted are removed once no reader of this process still reads them
 * (a reader opened before a replacement reads the old content whole).
 */
export class RadosData {
  private readonly readers = new Map<string, number>();
  private readonly doomed = new Map<string, FileEntry>();

  constructor(private readonly pool: RadosPool) {}

  /** Writes `data` at byte `offset` of the file `oid`, split at object boundaries. */
  async write(oid: string, chunkSize: number, offset: number, data: Buffer): Promise<void> {
    const writes: Array<Promise<void>> = [];
    for (let done = 0; done < data.length;) {
      const at = offset + done;
      const room = chunkSize - (at % chunkSize);
      const piece = data.subarray(done, done + room);
      const object = chunkOid(oid, Math.floor(at / chunkSize));
      writes.push(
        at % chunkSize === 0 && piece.length === chunkSize
          ? this.pool.writeFull(object, piece)
          : this.pool.write(object, piece, at % chunkSize),
      );
      done += piece.length;
    }
    await Promise.all(writes);
  }

  /** Bytes `start`..`end` (inclusive) of a file, in one buffer (small files). */
  async read(file: FileEntry, start = 0, end = file.size - 1): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for (let at = start; at <= end;) {
      const piece = await this.piece(file, at, end);
      pieces.push(piece);
      at += piece.length;
    }
    return Buffer.concat(pieces);
  }

  /** Keeps the data of `oid` from being removed until the returned release is called. */
  pin(oid: string): () => void {
    this.readers.set(oid, (this.readers.get(oid) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(oid);
    };
  }

  /** A stream of bytes `start`..`end` (inclusive) of a pinned file; `release` once it ends or is destroyed. */
  stream(file: FileEntry, start: number, end: number, release: () => void): Readable {
    let at = start;
    const stream = new Readable({
      highWaterMark: READ_PIECE,
      read: () => {
        if (at > end) {
          stream.push(null);
          return;
        }
        this.piece(file, at, Math.min(end, at + READ_PIECE - 1)).then(
          (piece) => {
            at += piece.length;
            stream.push(piece);
          },
          (error: unknown) => stream.destroy(error as Error),
        );
      },
      destroy: (error, callback) => {
        release();
        callback(error);
      },
    });
    stream.once('end', release);
    return stream;
  }

  /** Removes a file's data objects, now or when its last reader here is done. */
  async remove(file: FileEntry): Promise<void> {
    if (this.readers.has(file.oid)) {
      this.doomed.set(file.oid, file);
      return;
    }
    const count = Math.max(1, Math.ceil(file.size / file.chunkSize));
    for (let first = 0; first < count; first += REMOVE_AT_ONCE) {
      const batch = Array.from({ length: Math.min(REMOVE_AT_ONCE, count - first) }, (_, i) => first + i);
      await Promise.all(batch.map((index) => this.pool.remove(chunkOid(file.oid, index))));
    }
  }

  /** Bytes from `at` up to `last` (inclusive) within one data object. */
  private async piece(file: FileEntry, at: number, last: number): Promise<Buffer> {
    const within = at % file.chunkSize;
    const length = Math.min(last - at + 1, file.chunkSize - within);
    const piece = await this.pool.read(chunkOid(file.oid, Math.floor(at / file.chunkSize)), length, within);
    if (piece.length < length) throw new Error(`data object of ${file.oid} is short at byte ${at}`);
    return piece;
  }

  private release(oid: string): void {
    const left = (this.readers.get(oid) ?? 1) - 1;
    if (left > 0) {
      this.readers.set(oid, left);
      return;
    }
    this.readers.delete(oid);
    const doomed = this.doomed.get(oid);
    if (doomed) {
      this.doomed.delete(oid);
      void this.remove(doomed).catch(() => undefined);
    }
  }
}
