import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { InMemoryDriver } from '@app/storage';
import { BlobStore, Paths } from '../storage/index.js';
import { BlobFill } from './blob-fill.js';
import { followFill } from './fill-reader.js';
import type { UpstreamResponse } from './upstream-client.js';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** An upstream body that the test feeds chunk by chunk. */
function upstream(size: number): { response: UpstreamResponse; body: PassThrough } {
  const body = new PassThrough();
  return { body, response: { status: 200, headers: { 'content-length': String(size) }, body } as never };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('BlobFill and its readers', () => {
  it('lets readers follow the write, and stores the blob once its digest matched', async () => {
    const driver = new InMemoryDriver();
    const content = randomBytes(300_000);
    const { response, body } = upstream(content.length);
    const linked: number[] = [];
    const fill = new BlobFill(digestOf(content), response, driver, new BlobStore(driver), async (size) => {
      linked.push(size);
    });
    const early = readAll(followFill(fill, driver, 0, content.length - 1));
    body.write(content.subarray(0, 100_000));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const late = readAll(followFill(fill, driver, 50_000, 149_999));
    body.end(content.subarray(100_000));
    expect(await early).toEqual(content);
    expect(await late).toEqual(content.subarray(50_000, 150_000));
    expect(await fill.settled).toBe(content.length);
    expect(linked).toEqual([content.length]);
    expect((await driver.getContent(Paths.blobData(digestOf(content)))).equals(content)).toBe(true);
  });

  it('fails its readers before the last byte and stores nothing when the digest is wrong', async () => {
    const driver = new InMemoryDriver();
    const content = randomBytes(10_000);
    const { response, body } = upstream(content.length);
    const digest = digestOf(Buffer.from('something else'));
    const fill = new BlobFill(digest, response, driver, new BlobStore(driver), async () => undefined);
    const received: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of followFill(fill, driver, 0, content.length - 1)) received.push(chunk as Buffer);
    })();
    body.end(content);
    await expect(reading).rejects.toThrow(/hashes to/);
    await expect(fill.settled).rejects.toThrow(/hashes to/);
    expect(Buffer.concat(received).length).toBeLessThan(content.length);
    await expect(driver.stat(Paths.blobData(digest))).rejects.toThrow();
    await expect(driver.stat(fill.path)).rejects.toThrow();
  });
});
