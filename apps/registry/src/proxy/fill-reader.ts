import { once } from 'node:events';
import { Readable } from 'node:stream';
import { PathNotFoundError, type StorageDriver } from '@app/storage';
import { Paths } from '../storage/index.js';
import type { BlobFill } from './blob-fill.js';
import { LiveChunks } from './live-chunks.js';

/**
 * Bytes `start`..`end` (inclusive) of a blob while a BlobFill writes it. A reader that has caught up takes
 * each chunk as the fill writes it (LiveChunks); one that is behind, or whose client is slower than the
 * upstream, reads back from the fill's file, then from the blob store once it is stored. Each client has
 * its own reader, so a client that goes away stops only its reader; the fill goes on. A failed fill fails
 * the stream before its last byte, so the client sees a short body, never a whole wrong blob.
 */
export function followFill(fill: BlobFill, driver: StorageDriver, start: number, end: number): Readable {
  return Readable.from(follow(fill, driver, start, end), { objectMode: false });
}

async function* follow(fill: BlobFill, driver: StorageDriver, start: number, end: number): AsyncGenerator<Buffer> {
  let position = start;
  while (position <= end) {
    if (fill.state === 'failed') throw fill.error ?? new Error('upstream fill failed');
    if (fill.state === 'filling' && position >= fill.written && position <= fill.received) {
      const live = new LiveChunks(fill, position);
      try {
        for (let chunk = await live.next(); chunk; chunk = await live.next()) {
          const piece = chunk.subarray(0, end - position + 1);
          position += piece.length;
          yield piece;
          if (position > end) return;
        }
      } finally {
        live.close();
      }
      continue;
    }
    await readableBeyond(fill, position);
    const to = Math.min(end, fill.readable - 1);
    yield* fromStorage(fill, driver, position, to);
    position = to + 1;
  }
}

/** Bytes `from`..`to` from the fill's file, or from the blob store once it has been moved there. */
async function* fromStorage(fill: BlobFill, driver: StorageDriver, from: number, to: number): AsyncGenerator<Buffer> {
  let position = from;
  while (position <= to) {
    const stored = fill.state === 'stored';
    let source: Readable;
    try {
      source = await driver.reader(stored ? Paths.blobData(fill.digest) : fill.path, position, to);
    } catch (error) {
      // The file was moved into the blob store between the check and the open: read from there.
      if (!stored && error instanceof PathNotFoundError) {
        await fill.settled;
        continue;
      }
      throw error;
    }
    for await (const chunk of source as AsyncIterable<Buffer>) {
      position += chunk.length;
      yield chunk;
    }
  }
}

/** Resolves once byte `position` can be read; throws the fill's error when it fails first. */
async function readableBeyond(fill: BlobFill, position: number): Promise<void> {
  for (;;) {
    if (fill.state === 'failed') throw fill.error ?? new Error('upstream fill failed');
    if (fill.readable > position) return;
    if (fill.state !== 'filling') throw new Error(`blob ${fill.digest} ends before byte ${position}`);
    await once(fill, 'progress');
  }
}
