import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../errors/index.js';

/**
 * Reads a whole request body of at most `limit` bytes (distribution's copyFullPayload with a limit). A larger
 * body (by Content-Length or as it arrives) is MANIFEST_INVALID without reading the rest; the response then
 * closes the connection so the client's unread bytes cost nothing. A client that goes away mid-body
 * ends as MANIFEST_INVALID, never as a 500.
 */
export function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new RegistryError(
      'MANIFEST_INVALID',
      'manifest invalid',
      { reason: `manifest is larger than ${limit} bytes` },
      { Connection: 'close' },
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: RegistryError) => {
      req.off('data', onData);
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge());
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('aborted', () =>
      fail(new RegistryError('MANIFEST_INVALID', 'manifest invalid', { reason: 'request body incomplete' })),
    );
    req.once('error', () =>
      fail(new RegistryError('MANIFEST_INVALID', 'manifest invalid', { reason: 'request body incomplete' })),
    );
  });
}
