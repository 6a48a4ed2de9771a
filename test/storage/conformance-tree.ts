import { describe, expect, it } from 'vitest';
import { PathNotFoundError, StorageError } from '@app/storage';
import type { DriverGetter } from './driver-conformance.js';

const FILES = ['/r/a/one', '/r/a/two', '/r/b/deep/three', '/r/c', '/other/x'];

async function seed(driver: DriverGetter): Promise<void> {
  for (const path of FILES) await driver().putContent(path, Buffer.from(path));
}

/** The files (with content) under a directory, found by walking it with list and stat. */
async function walk(driver: DriverGetter, dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const child of await driver().list(dir)) {
    if ((await driver().stat(child)).isDir) Object.assign(found, await walk(driver, child));
    else found[child] = (await driver().getContent(child)).toString();
  }
  return found;
}

export function treeConformance(driver: DriverGetter): void {
  describe('list', () => {
    it('gives the full paths of direct children, sorted, directories implied by files', async () => {
      await seed(driver);
      expect(await driver().list('/')).toEqual(['/other', '/r']);
      expect(await driver().list('/r')).toEqual(['/r/a', '/r/b', '/r/c']);
      expect(await driver().list('/r/b')).toEqual(['/r/b/deep']);
      expect(await driver().list('/r/a')).toEqual(['/r/a/one', '/r/a/two']);
    });

    it('an empty root lists nothing; a missing directory or a file is PathNotFoundError', async () => {
      expect(await driver().list('/')).toEqual([]);
      await driver().putContent('/file', Buffer.from('x'));
      await expect(driver().list('/missing')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver().list('/file')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('shows an upload being written, and never a temp file of putContent', async () => {
      const writer = await driver().writer('/d/upload');
      await writer.write(Buffer.from('partial'));
      const puts = Array.from({ length: 20 }, (_, i) =>
        driver().putContent(`/d/f${i % 3}`, Buffer.alloc(64 * 1024, i)),
      );
      const listings = Array.from({ length: 20 }, () => driver().list('/d'));
      await Promise.all(puts);
      const allowed = new Set(['/d/upload', '/d/f0', '/d/f1', '/d/f2']);
      for (const listing of await Promise.all(listings)) for (const entry of listing) expect(allowed).toContain(entry);
      expect(await driver().list('/d')).toEqual(['/d/f0', '/d/f1', '/d/f2', '/d/upload']);
      await writer.close();
    });
  });

  describe('move', () => {
    it('moves a file into directories that do not exist yet', async () => {
      await driver().putContent('/uploads/u/data', Buffer.from('blob'));
      await driver().move('/uploads/u/data', '/blobs/sha256/ab/abcdef/data');
      expect((await driver().getContent('/blobs/sha256/ab/abcdef/data')).toString()).toBe('blob');
      await expect(driver().stat('/uploads/u/data')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('replaces an existing destination file', async () => {
      await driver().putContent('/src', Buffer.from('new content'));
      await driver().putContent('/dst', Buffer.from('old'));
      await driver().move('/src', '/dst');
      expect((await driver().getContent('/dst')).toString()).toBe('new content');
      expect(await driver().list('/')).toEqual(['/dst']);
    });

    it('moves a directory tree with everything in it', async () => {
      await seed(driver);
      await driver().move('/r', '/moved/here');
      expect(await walk(driver, '/moved')).toEqual({
        '/moved/here/a/one': '/r/a/one',
        '/moved/here/a/two': '/r/a/two',
        '/moved/here/b/deep/three': '/r/b/deep/three',
        '/moved/here/c': '/r/c',
      });
      await expect(driver().stat('/r')).rejects.toBeInstanceOf(PathNotFoundError);
      expect((await driver().getContent('/other/x')).toString()).toBe('/other/x');
    });

    it('PathNotFoundError for a missing source, leaving the destination alone', async () => {
      await driver().putContent('/dst', Buffer.from('kept'));
      await expect(driver().move('/missing', '/dst')).rejects.toBeInstanceOf(PathNotFoundError);
      expect((await driver().getContent('/dst')).toString()).toBe('kept');
    });

    it('refuses to move a file onto a directory or a directory onto a file, changing nothing', async () => {
      await seed(driver);
      await expect(driver().move('/r/c', '/r/a')).rejects.toBeInstanceOf(StorageError);
      await expect(driver().move('/r/b', '/r/c')).rejects.toBeInstanceOf(StorageError);
      expect(await walk(driver, '/r')).toEqual(
        Object.fromEntries(FILES.filter((f) => f.startsWith('/r/')).map((f) => [f, f])),
      );
    });

    it('moving onto itself keeps the file; into itself is refused', async () => {
      await driver().putContent('/d/f', Buffer.from('x'));
      await driver().move('/d/f', '/d/f');
      expect((await driver().getContent('/d/f')).toString()).toBe('x');
      await expect(driver().move('/d', '/d/inner')).rejects.toBeInstanceOf(StorageError);
      expect((await driver().getContent('/d/f')).toString()).toBe('x');
    });
  });

  describe('delete', () => {
    it('deletes a file, leaving its siblings', async () => {
      await seed(driver);
      await driver().delete('/r/a/one');
      await expect(driver().getContent('/r/a/one')).rejects.toBeInstanceOf(PathNotFoundError);
      expect(await driver().list('/r/a')).toEqual(['/r/a/two']);
    });

    it('deletes a whole tree, leaving the rest', async () => {
      await seed(driver);
      await driver().delete('/r');
      await expect(driver().stat('/r')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver().getContent('/r/b/deep/three')).rejects.toBeInstanceOf(PathNotFoundError);
      expect(await driver().list('/')).toEqual(['/other']);
    });

    it('PathNotFoundError for a missing path, twice in a row too', async () => {
      await driver().putContent('/f', Buffer.from('x'));
      await expect(driver().delete('/missing')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver().delete('/f/below')).rejects.toBeInstanceOf(PathNotFoundError);
      await driver().delete('/f');
      await expect(driver().delete('/f')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('deleting the root empties the store, which stays usable', async () => {
      await seed(driver);
      await driver().delete('/');
      expect(await driver().list('/')).toEqual([]);
      await driver().putContent('/again', Buffer.from('x'));
      expect(await driver().list('/')).toEqual(['/again']);
    });
  });
}
