import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RegistryError } from '../errors/index.js';
import { chunkRange, requestedRange, uploadRange } from './byte-ranges.js';

const number = fc.oneof(
  fc.nat({ max: 2000 }).map(String),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc.constantFrom('', '0', '00', '-1', '1e3', '0x10', ' 5', '5 ', '9007199254740993'),
);
const rangeHeader = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc
    .tuple(
      fc.constantFrom('bytes=', 'BYTES=', 'bytes= ', 'items=', 'bytes', ''),
      number,
      number,
      fc.constantFrom('', ',0-1', ' '),
    )
    .map(([unit, first, last, tail]) => `${unit}${first}-${last}${tail}`),
);
const contentRange = fc.oneof(
  fc.string(),
  fc
    .tuple(
      fc.constantFrom('', 'bytes=', 'bytes ', 'bytes', ' '),
      number,
      number,
      fc.constantFrom('', '/*', '/100', '/x', ' '),
    )
    .map(([unit, first, last, tail]) => `${unit}${first}-${last}${tail}`),
);

describe('Range and Content-Range (property)', () => {
  it('a blob GET Range: the whole blob, a satisfiable range inside it, or RANGE_INVALID (416) naming the size', () => {
    fc.assert(
      fc.property(rangeHeader, fc.nat({ max: 5000 }), (header, size) => {
        let range;
        try {
          range = requestedRange(header, size);
        } catch (error) {
          expect(error).toBeInstanceOf(RegistryError);
          expect((error as RegistryError).status).toBe(416);
          expect((error as RegistryError).headers['Content-Range']).toBe(`bytes */${size}`);
          return;
        }
        if (range === undefined) return;
        expect(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end)).toBe(true);
        expect(0 <= range.start && range.start <= range.end && range.end < size).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('bytes=a-b of a blob of size n is exactly [a, min(b, n-1)] when a < n and a <= b', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), (a, b, size) => {
        fc.pre(a < size && a <= b);
        expect(requestedRange(`bytes=${a}-${b}`, size)).toEqual({ start: a, end: Math.min(b, size - 1) });
      }),
    );
  });

  it('an upload Content-Range: undefined when malformed, else safe integers with start <= end; a-b round-trips', () => {
    fc.assert(
      fc.property(contentRange, (header) => {
        const range = chunkRange(header);
        if (range === undefined) return;
        expect(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end)).toBe(true);
        expect(range.start).toBeLessThanOrEqual(range.end);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        expect(chunkRange(`${start}-${end}`)).toEqual({ start, end });
        expect(chunkRange(uploadRange(end + 1))).toEqual({ start: 0, end });
      }),
    );
  });
});
