import type { ByteRange } from '../repository/index.js';
import { RegistryError } from '../errors/index.js';

/**
 * The two range grammars of the blob API: the `Range` request header of a blob GET (RFC 9110 byte ranges)
 * and the `Content-Range` of an upload chunk (the spec's `<start>-<end>`, inclusive).
 */

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * The range a blob GET asks for, resolved against the blob's `size`; undefined when the whole blob is to be
 * served (no header, a unit other than bytes, or several ranges, which RFC 9110 lets a server ignore).
 * A malformed or unsatisfiable range is RANGE_INVALID (416) with a `Content-Range` naming the size, as Go's
 * http.ServeContent (which distribution serves blobs with) answers.
 */
export function requestedRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (!value.toLowerCase().startsWith('bytes=') || value.includes(',')) return undefined;
  const match = SINGLE_RANGE.exec(value.replace(/^bytes=\s*/i, 'bytes=').replace(/\s+/g, ''));
  if (!match || (match[1] === '' && match[2] === '')) throw unsatisfiable(size);
  const [first, last] = [match[1], match[2]];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable(size);
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || (last !== '' && Number(last) < start)) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): RegistryError {
  return new RegistryError(
    'RANGE_INVALID',
    'requested range not satisfiable',
    { size },
    { 'Content-Range': `bytes */${size}` },
  );
}

const CONTENT_RANGE = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/;

/** A chunk's `Content-Range` (`a-b`, also `bytes=a-b` and `bytes a-b/total`); undefined when malformed. */
export function chunkRange(header: string): ByteRange | undefined {
  const match = CONTENT_RANGE.exec(header.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  return { start, end };
}

/** The spec's upload progress value: `0-<last byte received>`, and `0-0` for an empty upload (distribution's). */
export function uploadRange(offset: number): string {
  return `0-${Math.max(offset - 1, 0)}`;
}
