import type { Readable } from 'node:stream';
import type { FileWriter } from '@app/storage';
import type { UploadHash } from './upload-hashes.js';

export interface ChunkResult {
  /** Set when the body stream failed (the client disconnected): what was received is written and kept. */
  interrupted?: unknown;
}

/**
 * Streams `body` into `writer`, feeding `hash` each chunk once the driver has taken it, so the hash always
 * covers exactly the bytes written. Storage errors propagate; a failure of the body stream ends the copy
 * and is reported as `interrupted`, the bytes received staying in the file. `durable` commits (fsync) the
 * writer; otherwise it is closed with the bytes handed to the OS, which is what a chunk needs (the upload
 * reports the size storage has) and spares a PATCH the flush that the commit of the upload does anyway.
 */
export async function writeChunk(
  body: Readable,
  writer: FileWriter,
  hash: UploadHash,
  durable: boolean,
): Promise<ChunkResult> {
  const chunks = body[Symbol.asyncIterator]();
  let interrupted: unknown;
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await chunks.next();
      } catch (error) {
        interrupted = error ?? new Error('request body failed');
        break;
      }
      if (next.done) break;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      await writer.write(chunk);
      hash.update(chunk);
    }
  } catch (error) {
    body.destroy();
    await writer.close().catch(() => undefined);
    throw error;
  }
  if (durable && interrupted === undefined) await writer.commit();
  else await writer.close();
  return interrupted === undefined ? {} : { interrupted };
}
