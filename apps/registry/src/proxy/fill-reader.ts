import { once } from 'node:events';
import { Readable } from 'node:stream';
import { PathNotFoundError, type StorageDriver } from '@app/storage';
import { Paths } from '../storage/index.js';
import type { BlobFill } from './blob-fill.js';

/**
 * Bytes `start`..`end` (inclusive) of a blob while a BlobFill writes it: read back from the fill's file as
 * they become readable, then from the blob store once it is stored. Each client has its own reader, so a
 * client that goes away stops only its reader; the fill goes on. A failed fill fails the stream before
 * its last byte, so the client sees a short body, never a whole wrong blob.
 */
export function followFill(fill: BlobFill, driver: StorageDriver, start: number, end: number): Readable {
  return Readable.from(follow(fill, driver, start, end), { objectMode: false });
}

async function* follow(fill: BlobFill, driver: StorageDriver, start: number, end: number): AsyncGenerator<Buffer> {
  let position = start;
  while (position <= end) {
    await readableBeyond(fill, position);
    const stored = fill.state === 'stored';
    const last = Math.min(end, fill.readable - 1);
    let source: Readable;
    try {
      source = await driver.reader(stored ? Paths.blobData(fill.digest) : fill.path, position, last);
    } catch (error) {
      // The file was moved into the blob store between the check and the open: read from there next time.
      if (!stored && error instanceof PathNotFoundError) {
        await fill.settled.catch(() => undefined);
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
    if (fill.state === 'stored') throw new Error(`blob ${fill.digest} ends before byte ${position}`);
    await once(fill, 'progress');
  }
}
