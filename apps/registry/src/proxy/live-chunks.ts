import type { BlobFill } from './blob-fill.js';

/** A reader whose client is this far behind the upstream goes back to reading the fill's file. */
const MAX_QUEUED = 4 << 20;

/**
 * The chunks a BlobFill receives from byte `position` on (at most its chunks in flight behind), as they
 * arrive, for one reader that has caught up. Bounded: past MAX_QUEUED bytes not yet taken it stops (`next` gives undefined) and the reader goes
 * back to storage. The blob's last byte is handed out only once the fill has verified the digest; a
 * failed fill throws.
 */
export class LiveChunks {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private overflowed = false;
  /** The last byte of the blob, held until the digest is checked. */
  private held?: Buffer;
  private wake?: () => void;
  private readonly onChunk = (chunk: Buffer) => {
    if (this.queued + chunk.length > MAX_QUEUED) this.overflowed = true;
    else {
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
    this.wake?.();
  };
  private readonly onProgress = () => this.wake?.();

  constructor(
    private readonly fill: BlobFill,
    private position: number,
  ) {
    // What is received and not yet written is in memory: from `position` on, it is where this reader starts.
    for (const { offset, chunk } of fill.inflight) {
      if (offset + chunk.length > position) this.onChunk(chunk.subarray(Math.max(0, position - offset)));
    }
    fill.on('chunk', this.onChunk);
    fill.on('progress', this.onProgress);
  }

  /** The next chunk; undefined when the reader must read from storage instead (or the blob is done). */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.fill.state === 'failed') throw this.fill.error ?? new Error('upstream fill failed');
      if (this.overflowed) return undefined;
      const chunk = this.queue.shift();
      if (chunk) return this.take(chunk);
      if (this.fill.state !== 'filling') return this.release();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  close(): void {
    this.fill.off('chunk', this.onChunk);
    this.fill.off('progress', this.onProgress);
  }

  private take(chunk: Buffer): Buffer | Promise<Buffer | undefined> {
    this.queued -= chunk.length;
    const size = this.fill.size!;
    if (this.position + chunk.length < size) {
      this.position += chunk.length;
      return chunk;
    }
    // The chunk ends the blob: all but its last byte now, that one once the digest is checked.
    this.held = chunk.subarray(chunk.length - 1);
    this.position += chunk.length - 1;
    return chunk.length > 1 ? chunk.subarray(0, chunk.length - 1) : this.next();
  }

  /** The held last byte once the fill is verified; undefined when there is none (read from storage). */
  private release(): Buffer | undefined {
    const held = this.held;
    this.held = undefined;
    if (held) this.position += 1;
    return held;
  }
}
