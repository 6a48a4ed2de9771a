import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@app/testing';
import { FilesystemDriver, InvalidPathError } from '@app/storage';

describe('FilesystemDriver: on disk', () => {
  let dir: { path: string; remove(): void };
  let root: string;
  let outside: string;
  let driver: FilesystemDriver;

  beforeEach(() => {
    dir = tempDir('storage-fs-disk-');
    root = join(dir.path, 'root');
    outside = join(dir.path, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'secret');
    driver = new FilesystemDriver(root);
  });
  afterEach(() => dir.remove());

  it('creates a missing root and resolves a relative one against the working directory', () => {
    expect(existsSync(root)).toBe(true);
    const cwd = process.cwd();
    try {
      process.chdir(dir.path);
      const relative = new FilesystemDriver('data/registry');
      expect(relative.root).toBe(join(dir.path, 'data/registry'));
      expect(existsSync(join(dir.path, 'data/registry'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it("keeps distribution's layout: driver path /a/b is <root>/a/b", async () => {
    await driver.putContent('/docker/registry/v2/repositories/x/_layers/link', Buffer.from('sha256:abc'));
    expect(readFileSync(join(root, 'docker/registry/v2/repositories/x/_layers/link'), 'utf8')).toBe('sha256:abc');
    writeFileSync(join(root, 'docker/registry/v2/written-by-registry-2'), 'old');
    expect((await driver.getContent('/docker/registry/v2/written-by-registry-2')).toString()).toBe('old');
  });

  it('leaves no temp file after putContent and move, and hides the leftovers of a crash', async () => {
    for (let i = 0; i < 5; i++) await driver.putContent('/d/f', Buffer.from(`v${i}`));
    await driver.putContent('/d/g', Buffer.from('g'));
    await driver.move('/d/g', '/d/h');
    expect(readdirSync(join(root, 'd')).sort()).toEqual(['f', 'h']);
    writeFileSync(join(root, 'd', '.~0123456789abcdef.tmp'), 'torn');
    expect(await driver.list('/d')).toEqual(['/d/f', '/d/h']);
  });

  describe('symlinks leading out of the root are refused', () => {
    it('a directory symlink: read, write, list, stat, move and delete through it', async () => {
      symlinkSync(outside, join(root, 'escape'));
      const refused: Array<() => Promise<unknown>> = [
        () => driver.getContent('/escape/secret'),
        () => driver.reader('/escape/secret'),
        () => driver.putContent('/escape/planted', Buffer.from('x')),
        () => driver.writer('/escape/planted'),
        () => driver.list('/escape'),
        () => driver.stat('/escape/secret'),
        () => driver.move('/escape/secret', '/stolen'),
        () => driver.delete('/escape/secret'),
        () => driver.delete('/escape'),
      ];
      for (const call of refused) await expect(call()).rejects.toBeInstanceOf(InvalidPathError);
      expect(readdirSync(outside)).toEqual(['secret']);
      expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('secret');
    });

    it('a file symlink and a dangling one (writing through it would create a file outside)', async () => {
      symlinkSync(join(outside, 'secret'), join(root, 'file-link'));
      symlinkSync(join(outside, 'not-yet'), join(root, 'dangling'));
      await expect(driver.getContent('/file-link')).rejects.toBeInstanceOf(InvalidPathError);
      await expect(driver.putContent('/file-link', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidPathError);
      await expect(driver.putContent('/dangling', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidPathError);
      await expect(driver.writer('/dangling', true)).rejects.toBeInstanceOf(InvalidPathError);
      await expect(driver.move('/file-link', '/mine')).rejects.toBeInstanceOf(InvalidPathError);
      expect(readdirSync(outside)).toEqual(['secret']);
      expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('secret');
    });

    it('a symlink that stays inside the root is followed', async () => {
      await driver.putContent('/real/f', Buffer.from('inside'));
      symlinkSync(join(root, 'real'), join(root, 'alias'));
      expect((await driver.getContent('/alias/f')).toString()).toBe('inside');
    });

    it('a root that is itself a symlink works', async () => {
      symlinkSync(root, join(dir.path, 'root-link'));
      const viaLink = new FilesystemDriver(join(dir.path, 'root-link'));
      await viaLink.putContent('/x', Buffer.from('x'));
      expect(readFileSync(join(root, 'x'), 'utf8')).toBe('x');
    });
  });
});
