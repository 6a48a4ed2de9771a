import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { InvalidOffsetError, PathNotFoundError, StorageError } from '@app/storage';
import type { DriverGetter } from './driver-conformance.js';
import { collect, hashStream, writeRandom } from './conformance-support.js';

const MiB = 1024 * 1024;

export function streamConformance(driver: DriverGetter): void {
  describe('reader', () => {
    const content = Buffer.from('0123456789abcdefghij');

    it('streams the whole file, from an offset, and an inclusive range', async () => {
      await driver().putContent('/f', content);
      expect((await collect(await driver().reader('/f'))).toString()).toBe(content.toString());
      expect((await collect(await driver().reader('/f', 10))).toString()).toBe('abcdefghij');
      expect((await collect(await driver().reader('/f', 2, 5))).toString()).toBe('2345');
      expect((await collect(await driver().reader('/f', 0, 0))).toString()).toBe('0');
      expect((await collect(await driver().reader('/f', 19, 19))).toString()).toBe('j');
    });

    it('clamps an end past the file, and gives nothing at offset == size', async () => {
      await driver().putContent('/f', content);
      expect((await collect(await driver().reader('/f', 15, 1000))).toString()).toBe('fghij');
      expect((await collect(await driver().reader('/f', 20))).length).toBe(0);
      await driver().putContent('/empty', Buffer.alloc(0));
      expect((await collect(await driver().reader('/empty'))).length).toBe(0);
    });

    it('InvalidOffsetError past the end or negative; PathNotFoundError for a missing file or a directory', async () => {
      await driver().putContent('/d/f', content);
      await expect(driver().reader('/d/f', 21)).rejects.toBeInstanceOf(InvalidOffsetError);
      await expect(driver().reader('/d/f', -1)).rejects.toBeInstanceOf(InvalidOffsetError);
      await expect(driver().reader('/d/f', 1.5)).rejects.toBeInstanceOf(InvalidOffsetError);
      await expect(driver().reader('/missing')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver().reader('/d')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('a reader opened before a replacement still gives the old content whole', async () => {
      const old = randomBytes(3 * MiB);
      await driver().putContent('/f', old);
      const reader = await driver().reader('/f');
      await driver().putContent('/f', randomBytes(MiB));
      expect((await collect(reader)).equals(old)).toBe(true);
    });
  });

  describe('writer', () => {
    it('streams chunks, counts size, and commits', async () => {
      const writer = await driver().writer('/uploads/u1/data');
      expect(writer.size).toBe(0);
      await writer.write(Buffer.from('hello '));
      await writer.write(Buffer.from('world'));
      expect(writer.size).toBe(11);
      await writer.commit();
      expect((await driver().getContent('/uploads/u1/data')).toString()).toBe('hello world');
      expect((await driver().stat('/uploads/u1/data')).size).toBe(11);
    });

    it('keeps order when writes are not awaited one by one', async () => {
      const writer = await driver().writer('/f');
      const pieces = Array.from({ length: 200 }, (_, i) => Buffer.from(`${i},`));
      await Promise.all(pieces.map((piece) => writer.write(piece)));
      await writer.commit();
      expect((await driver().getContent('/f')).toString()).toBe(pieces.join(''));
    });

    it('truncates an existing file unless appending', async () => {
      await driver().putContent('/f', Buffer.from('previous content'));
      const writer = await driver().writer('/f');
      await writer.write(Buffer.from('new'));
      await writer.commit();
      expect((await driver().getContent('/f')).toString()).toBe('new');
    });

    it('append reopens a closed (resumable) file and continues where it stopped', async () => {
      const first = await driver().writer('/up/data');
      await first.write(Buffer.from('part one;'));
      await first.close();
      expect((await driver().getContent('/up/data')).toString()).toBe('part one;');
      const second = await driver().writer('/up/data', true);
      expect(second.size).toBe(9);
      await second.write(Buffer.from('part two'));
      expect(second.size).toBe(17);
      await second.commit();
      expect((await driver().getContent('/up/data')).toString()).toBe('part one;part two');
    });

    it('append on a missing file starts it empty', async () => {
      const writer = await driver().writer('/new/data', true);
      expect(writer.size).toBe(0);
      await writer.write(Buffer.from('x'));
      await writer.commit();
      expect((await driver().getContent('/new/data')).toString()).toBe('x');
    });

    it('keeps its own copy of each chunk once the write resolved', async () => {
      const writer = await driver().writer('/f');
      const chunk = Buffer.from('first');
      await writer.write(chunk);
      chunk.write('XXXXX');
      await writer.commit();
      expect((await driver().getContent('/f')).toString()).toBe('first');
    });

    it('cancel removes the file; writing after commit is refused', async () => {
      const cancelled = await driver().writer('/c/data');
      await cancelled.write(Buffer.from('abc'));
      await cancelled.cancel();
      await expect(driver().stat('/c/data')).rejects.toBeInstanceOf(PathNotFoundError);
      const committed = await driver().writer('/d');
      await committed.write(Buffer.from('abc'));
      await committed.commit();
      await expect(committed.write(Buffer.from('more'))).rejects.toBeInstanceOf(StorageError);
      await expect(committed.commit()).rejects.toBeInstanceOf(StorageError);
      expect((await driver().getContent('/d')).toString()).toBe('abc');
    });

    it('refuses to open a writer on a directory', async () => {
      await driver().putContent('/dir/file', Buffer.from('x'));
      await expect(driver().writer('/dir')).rejects.toBeInstanceOf(StorageError);
      expect((await driver().getContent('/dir/file')).toString()).toBe('x');
    });
  });

  describe('large files', () => {
    it('streams 64 MiB in and out, hashed on the way, in ranges too', async () => {
      const size = 64 * MiB;
      const writer = await driver().writer('/big/data');
      const written = await writeRandom(writer, size);
      await writer.commit();
      expect((await driver().stat('/big/data')).size).toBe(size);
      expect(await hashStream(await driver().reader('/big/data'))).toEqual({ sha256: written, size });
      const firstHalf = await hashStream(await driver().reader('/big/data', 0, size / 2 - 1));
      const secondHalf = await hashStream(await driver().reader('/big/data', size / 2));
      expect([firstHalf.size, secondHalf.size]).toEqual([size / 2, size / 2]);
      expect(firstHalf.sha256).not.toBe(secondHalf.sha256);
    }, 60_000);

    it('appends a large upload in three sessions', async () => {
      let expectedSize = 0;
      for (let session = 0; session < 3; session++) {
        const writer = await driver().writer('/up/data', session > 0);
        expect(writer.size).toBe(expectedSize);
        await writeRandom(writer, 5 * MiB + 123, 256 * 1024);
        expectedSize += 5 * MiB + 123;
        await (session === 2 ? writer.commit() : writer.close());
      }
      expect((await hashStream(await driver().reader('/up/data'))).size).toBe(expectedSize);
    });
  });
}
