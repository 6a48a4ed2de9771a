import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { digestOf } from '@app/oci';
import { FilesystemDriver, InMemoryDriver, PathNotFoundError, type StorageDriver } from '@app/storage';
import { tempDir } from '@app/testing';
import { BlobStore } from './blob-store.js';
import { Paths } from './paths.js';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

async function upload(driver: StorageDriver, id: string, content: Buffer): Promise<string> {
  const path = Paths.uploadData('r', id);
  const writer = await driver.writer(path);
  for (let offset = 0; offset < content.length; offset += 64 * 1024)
    await writer.write(content.subarray(offset, offset + 64 * 1024));
  await writer.commit();
  return path;
}

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const drivers: Array<[string, () => StorageDriver]> = [
  ['inmemory', () => new InMemoryDriver()],
  [
    'filesystem',
    () => {
      const dir = tempDir('blob-store-');
      cleanups.push(dir.remove);
      return new FilesystemDriver(dir.path);
    },
  ],
];

describe.each(drivers)('BlobStore on %s', (_name, makeDriver) => {
  it('puts small content under its digest, idempotently, and reads it back whole or in ranges', async () => {
    const store = new BlobStore(makeDriver());
    const content = Buffer.from('{"schemaVersion":2}');
    const stored = await store.put(content);
    expect(stored).toEqual({ digest: digestOf(content), size: content.length });
    expect(await store.put(content)).toEqual(stored);
    expect(await store.stat(stored.digest)).toEqual(stored);
    expect((await store.getContent(stored.digest)).equals(content)).toBe(true);
    expect(await text(await store.reader(stored.digest, 2, 14))).toBe('schemaVersion');
    expect((await store.put(content, 'sha512')).digest).toBe(digestOf(content, 'sha512'));
  });

  it('stat of an absent blob is undefined, a read is PathNotFoundError', async () => {
    const store = new BlobStore(makeDriver());
    const digest = digestOf('absent');
    expect(await store.stat(digest)).toBeUndefined();
    await expect(store.getContent(digest)).rejects.toBeInstanceOf(PathNotFoundError);
  });

  it('ingests a verified upload by moving it into place', async () => {
    const driver = makeDriver();
    const store = new BlobStore(driver);
    const content = randomBytes(300_000);
    const digest = digestOf(content);
    const data = await upload(driver, 'u1', content);
    expect(await store.ingest(data, digest)).toEqual({ digest, size: content.length });
    await expect(driver.stat(data)).rejects.toBeInstanceOf(PathNotFoundError);
    expect((await store.getContent(digest)).equals(content)).toBe(true);
  });

  it('two clients pushing the same blob at once both succeed and the blob is intact', async () => {
    const driver = makeDriver();
    const store = new BlobStore(driver);
    const content = randomBytes(2 * 1024 * 1024 + 3);
    const digest = digestOf(content);
    const uploads = await Promise.all([
      upload(driver, 'one', content),
      upload(driver, 'two', content),
      upload(driver, 'three', content),
    ]);
    const results = await Promise.allSettled(uploads.map((data) => store.ingest(data, digest)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const hash = createHash('sha256');
    for await (const chunk of await store.reader(digest)) hash.update(chunk as Buffer);
    expect(`sha256:${hash.digest('hex')}`).toBe(digest);
    // The upload that lost the race is dropped, not left behind.
    for (const data of uploads) await expect(driver.stat(data)).rejects.toBeInstanceOf(PathNotFoundError);
  });

  it('delete removes the content', async () => {
    const store = new BlobStore(makeDriver());
    const { digest } = await store.put(Buffer.from('x'));
    await store.delete(digest);
    expect(await store.stat(digest)).toBeUndefined();
  });
});
