import { describe, expect, it } from 'vitest';
import { RegistryError } from '../errors/index.js';
import { chunkRange, requestedRange, uploadRange } from './byte-ranges.js';

describe('requestedRange', () => {
  it('resolves single byte ranges against the size', () => {
    expect(requestedRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(requestedRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(requestedRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(requestedRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(requestedRange('bytes=50-5000', 100)).toEqual({ start: 50, end: 99 });
    expect(requestedRange('bytes= 1-2', 100)).toEqual({ start: 1, end: 2 });
  });

  it('serves the whole blob without a header, for other units and for several ranges', () => {
    expect(requestedRange(undefined, 100)).toBeUndefined();
    expect(requestedRange('items=0-1', 100)).toBeUndefined();
    expect(requestedRange('bytes=0-1,4-5', 100)).toBeUndefined();
  });

  it('refuses unsatisfiable and malformed ranges with RANGE_INVALID and the size', () => {
    for (const header of [
      'bytes=100-',
      'bytes=100-200',
      'bytes=5-1',
      'bytes=-0',
      'bytes=-',
      'bytes=a-b',
      'bytes=1e3-',
    ]) {
      let error: unknown;
      try {
        requestedRange(header, 100);
      } catch (caught) {
        error = caught;
      }
      expect(error, header).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).status).toBe(416);
      expect((error as RegistryError).headers['Content-Range']).toBe('bytes */100');
    }
    expect(() => requestedRange('bytes=0-0', 0)).toThrow(RegistryError);
  });
});

describe('chunkRange', () => {
  it('reads the spec form and the common variants', () => {
    expect(chunkRange('0-99')).toEqual({ start: 0, end: 99 });
    expect(chunkRange('bytes=100-199')).toEqual({ start: 100, end: 199 });
    expect(chunkRange('bytes 100-199/*')).toEqual({ start: 100, end: 199 });
    expect(chunkRange('bytes 100-199/1000')).toEqual({ start: 100, end: 199 });
  });

  it('is undefined for anything else', () => {
    for (const header of ['', '5', '-5', '9-1', 'a-b', '0-99999999999999999999', '1-2-3'])
      expect(chunkRange(header), header).toBeUndefined();
  });
});

describe('uploadRange', () => {
  it('is inclusive, and 0-0 for an empty upload as distribution answers', () => {
    expect(uploadRange(0)).toBe('0-0');
    expect(uploadRange(1)).toBe('0-0');
    expect(uploadRange(1000)).toBe('0-999');
  });
});
