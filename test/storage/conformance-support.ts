import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileWriter } from '@app/storage';

/** The whole stream as one buffer (for small files only). */
export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** sha256 and length of a stream, read chunk by chunk (never held whole). */
export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Writes `total` random bytes in `chunk`-sized pieces, generated as they go and hashed as written, so the
 * test never holds the whole file. Returns the sha256 of what was written.
 */
export async function writeRandom(writer: FileWriter, total: number, chunk = 1024 * 1024): Promise<string> {
  const hash = createHash('sha256');
  for (let written = 0; written < total; written += chunk) {
    const piece = randomBytes(Math.min(chunk, total - written));
    hash.update(piece);
    await writer.write(piece);
  }
  return hash.digest('hex');
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** A buffer of `size` copies of one byte: any mix of two such contents is detectable. */
export function filled(byte: number, size: number): Buffer {
  return Buffer.alloc(size, byte);
}

/** True when `content` is exactly `size` copies of `byte`. */
export function isFilled(content: Buffer, byte: number, size: number): boolean {
  return content.length === size && content.equals(filled(byte, size));
}
