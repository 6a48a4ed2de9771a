import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UploadHashes } from './upload-hashes.js';

const hex = (algorithm: string, data: Buffer) => `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;

describe('UploadHashes', () => {
  const data = Buffer.from('the quick brown fox jumps over the lazy dog');
  const reader = (source: Buffer, reads: number[]) => async (size: number) => {
    reads.push(size);
    const cut = Math.min(10, size);
    return Readable.from([source.subarray(0, cut), source.subarray(cut, size)]);
  };

  it('keeps the running state between chunks without reading storage', async () => {
    const hashes = new UploadHashes();
    const reads: number[] = [];
    const state = await hashes.resume('u', 0, ['sha256'], reader(data, reads));
    state.update(data.subarray(0, 20));
    hashes.keep('u', state);
    const again = await hashes.resume('u', 20, ['sha256'], reader(data, reads));
    again.update(data.subarray(20));
    expect(again.digest('sha256')).toBe(hex('sha256', data));
    expect(reads).toEqual([]);
  });

  it('re-hashes the stored bytes when the offset does not match (restart, another process)', async () => {
    const hashes = new UploadHashes();
    const reads: number[] = [];
    const state = await hashes.resume('u', 20, ['sha256', 'sha512'], reader(data, reads));
    state.update(data.subarray(20));
    expect(reads).toEqual([20, 20]);
    expect(state.digest('sha256')).toBe(hex('sha256', data));
    expect(state.digest('sha512')).toBe(hex('sha512', data));
  });

  it('adds an algorithm to a kept state by re-hashing only that one', async () => {
    const hashes = new UploadHashes();
    const reads: number[] = [];
    const state = await hashes.resume('u', 0, ['sha256'], reader(data, reads));
    state.update(data);
    hashes.keep('u', state);
    const both = await hashes.resume('u', data.length, ['sha512'], reader(data, reads));
    expect(reads).toEqual([data.length]);
    expect(both.digest('sha512')).toBe(hex('sha512', data));
    expect(both.digest('sha256')).toBe(hex('sha256', data));
  });

  it('hands a state out once: a concurrent resume starts from storage', async () => {
    const hashes = new UploadHashes();
    const state = await hashes.resume('u', 0, ['sha256'], reader(data, []));
    state.update(data.subarray(0, 5));
    hashes.keep('u', state);
    await hashes.resume('u', 5, ['sha256'], reader(data, []));
    const reads: number[] = [];
    await hashes.resume('u', 5, ['sha256'], reader(data, reads));
    expect(reads).toEqual([5]);
  });

  it('fails when the stored data is shorter than the upload claims', async () => {
    const hashes = new UploadHashes();
    await expect(
      hashes.resume('u', 100, ['sha256'], async () => Readable.from([data.subarray(0, 10)])),
    ).rejects.toThrow(/changed/);
  });

  it('stays within its capacity, dropping the oldest', async () => {
    const hashes = new UploadHashes(2);
    for (const id of ['a', 'b', 'c']) hashes.keep(id, await hashes.resume(id, 0, ['sha256'], reader(data, [])));
    expect(hashes.size).toBe(2);
  });
});
