import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { InvalidPathError, PathNotFoundError, StorageError, type StorageDriver } from '@app/storage';
import type { ConformanceOptions, DriverGetter } from './driver-conformance.js';

const INVALID_PATHS: Array<[string, string]> = [
  ['empty', ''],
  ['relative', 'docker/registry'],
  ['relative with dot', './a'],
  ['parent segment', '/a/../b'],
  ['parent at the start', '/../etc/passwd'],
  ['parent alone', '/..'],
  ['dot segment', '/a/./b'],
  ['dot alone', '/.'],
  ['double slash', '/a//b'],
  ['double slash at the start', '//a'],
  ['trailing slash', '/a/'],
  ['space', '/a b'],
  ['NUL byte', '/a\0b'],
  ['backslash', '/a\\..\\b'],
  ['non-ASCII', '/caf\u00e9'],
  ['percent-encoded slash', '/a%2fb'],
  ['colon', '/sha256:abc'],
  ['newline', '/a\nb'],
  ['segment over 255 characters', `/${'a'.repeat(256)}`],
  ['path over 4096 characters', `/${'abcdefgh/'.repeat(460)}x`],
];

/** Every call of the port with `path`, each of which must reject with InvalidPathError. */
function calls(driver: StorageDriver, path: string): Array<[string, () => Promise<unknown>]> {
  return [
    ['getContent', () => driver.getContent(path)],
    ['putContent', () => driver.putContent(path, Buffer.from('x'))],
    ['reader', () => driver.reader(path)],
    ['writer', () => driver.writer(path)],
    ['writer append', () => driver.writer(path, true)],
    ['stat', () => driver.stat(path)],
    ['list', () => driver.list(path)],
    ['move from', () => driver.move(path, '/ok')],
    ['move to', () => driver.move('/ok', path)],
    ['delete', () => driver.delete(path)],
  ];
}

export function contentConformance(driver: DriverGetter, options: ConformanceOptions = {}): void {
  describe('getContent / putContent', () => {
    it('round-trips binary content and creates the parent directories', async () => {
      const content = randomBytes(100_000);
      await driver().putContent('/docker/registry/v2/blobs/sha256/ab/abcd/data', content);
      expect((await driver().getContent('/docker/registry/v2/blobs/sha256/ab/abcd/data')).equals(content)).toBe(true);
    });

    it('replaces content, longer then shorter, and stores empty content', async () => {
      await driver().putContent('/f', Buffer.from('short'));
      await driver().putContent('/f', Buffer.from('a much longer content'));
      expect((await driver().getContent('/f')).toString()).toBe('a much longer content');
      await driver().putContent('/f', Buffer.from('tiny'));
      expect((await driver().getContent('/f')).toString()).toBe('tiny');
      await driver().putContent('/f', Buffer.alloc(0));
      expect((await driver().getContent('/f')).length).toBe(0);
      expect((await driver().stat('/f')).size).toBe(0);
    });

    it('keeps its own copy of the content given', async () => {
      const content = Buffer.from('original');
      await driver().putContent('/f', content);
      content.write('mutated!');
      expect((await driver().getContent('/f')).toString()).toBe('original');
    });

    it('PathNotFoundError for a missing file, a directory and a path under a file', async () => {
      await driver().putContent('/dir/file', Buffer.from('x'));
      await expect(driver().getContent('/missing')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver().getContent('/dir/missing')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver().getContent('/dir')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver().getContent('/dir/file/below')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    // Skipped on key stores (s3): a flat key space has no directories to write over, and refusing a file below
    // a file would cost several more requests per write; distribution's s3 driver does not check it either.
    it.skipIf(options.hierarchy === 'keys')(
      'refuses to write a file over a directory or below a file, and changes nothing',
      async () => {
        await driver().putContent('/dir/file', Buffer.from('x'));
        await expect(driver().putContent('/dir', Buffer.from('y'))).rejects.toBeInstanceOf(StorageError);
        await expect(driver().putContent('/dir/file/below', Buffer.from('y'))).rejects.toBeInstanceOf(StorageError);
        expect((await driver().getContent('/dir/file')).toString()).toBe('x');
        expect(await driver().list('/dir')).toEqual(['/dir/file']);
      },
    );
  });

  describe('stat', () => {
    it('gives size, modification time and isDir for files and implied directories', async () => {
      const before = Date.now();
      await driver().putContent('/a/b/c', Buffer.from('12345'));
      const after = Date.now();
      const file = await driver().stat('/a/b/c');
      expect(file).toMatchObject({ path: '/a/b/c', size: 5, isDir: false });
      // File systems keep coarser times than Date.now(); allow a second either side.
      expect(file.modTime.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(file.modTime.getTime()).toBeLessThanOrEqual(after + 1000);
      for (const dir of ['/a', '/a/b'])
        expect(await driver().stat(dir)).toMatchObject({ path: dir, size: 0, isDir: true });
    });

    it('the root is a directory, even when empty; a missing path is PathNotFoundError', async () => {
      expect((await driver().stat('/')).isDir).toBe(true);
      await expect(driver().stat('/missing')).rejects.toBeInstanceOf(PathNotFoundError);
      await driver().putContent('/file', Buffer.from('x'));
      await expect(driver().stat('/file/below')).rejects.toBeInstanceOf(PathNotFoundError);
    });
  });

  describe('invalid paths', () => {
    for (const [what, path] of INVALID_PATHS) {
      it(`refuses a ${what} path in every call and creates nothing`, async () => {
        await driver().putContent('/ok', Buffer.from('ok'));
        for (const [call, run] of calls(driver(), path)) {
          await expect(run(), `${call}(${JSON.stringify(path.slice(0, 40))})`).rejects.toBeInstanceOf(InvalidPathError);
        }
        expect(await driver().list('/')).toEqual(['/ok']);
        expect((await driver().getContent('/ok')).toString()).toBe('ok');
      });
    }

    it('refuses a path that is not a string', async () => {
      await expect(driver().stat(undefined as unknown as string)).rejects.toBeInstanceOf(InvalidPathError);
      await expect(driver().getContent(42 as unknown as string)).rejects.toBeInstanceOf(InvalidPathError);
    });

    it('takes every character the grammar allows, and a 255-character segment', async () => {
      const paths = ['/A-Z_a-z.0-9', '/.hidden', '/a/..b/c..', '/-/_', '/...', `/${'x'.repeat(255)}`];
      for (const path of paths) {
        await driver().putContent(path, Buffer.from(path));
        expect((await driver().getContent(path)).toString()).toBe(path);
      }
    });
  });
}
