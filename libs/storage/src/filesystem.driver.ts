import { mkdirSync, realpathSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import {
  checkPath,
  InvalidOffsetError,
  InvalidPathError,
  isPathSegment,
  PathNotFoundError,
  StorageError,
} from './errors.js';
import { StorageDriver, type FileInfo, type FileWriter } from './storage-driver.js';

const READ_CHUNK = 256 * 1024;

/**
 * The `filesystem` driver (distribution's filesystem): driver path `/a/b` is `<root>/a/b`. Every path is
 * checked (checkPath) and then resolved: a symlink inside the root that leads outside it is refused, so no
 * input reaches a file outside the root. putContent and move are atomic renames made durable by fsync of the
 * file and of the directory; temp files carry a '~', which no driver path can name, and are never listed.
 */
export class FilesystemDriver extends StorageDriver {
  readonly name = 'filesystem';
  /** Absolute, symlink-free root directory (created if missing at start; missing later, every call fails). */
  readonly root: string;

  constructor(rootDirectory: string) {
    super();
    const absolute = resolve(rootDirectory);
    mkdirSync(absolute, { recursive: true });
    this.root = realpathSync(absolute);
  }

  async getContent(path: string): Promise<Buffer> {
    const full = await this.resolve(path);
    return readFile(full).catch((error) => rethrow(error, path));
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    const full = await this.resolve(path);
    const dir = await this.makeParent(full, path);
    const temp = `${dir}/.~${randomBytes(8).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx', 0o644).catch((error) => writeFailure(error, path));
    try {
      await handle.writeFile(content);
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    await rename(temp, full).catch(async (error) => {
      await rm(temp, { force: true });
      writeFailure(error, path);
    });
    await syncDirectory(dir);
  }

  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    const full = await this.resolve(path);
    const handle = await open(full, 'r').catch((error) => rethrow(error, path));
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new PathNotFoundError(path);
      if (!Number.isInteger(offset) || offset < 0 || offset > info.size) throw new InvalidOffsetError(path, offset);
      const last = end === undefined ? info.size - 1 : Math.min(end, info.size - 1);
      if (last < offset) {
        await handle.close();
        return Readable.from([]);
      }
      return handle.createReadStream({ start: offset, end: last, highWaterMark: READ_CHUNK, autoClose: true });
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  async writer(path: string, append = false): Promise<FileWriter> {
    const full = await this.resolve(path);
    await this.makeParent(full, path);
    const handle = await open(full, append ? 'a' : 'w', 0o644).catch((error) => writeFailure(error, path));
    const size = append ? (await handle.stat()).size : 0;
    return new FilesystemWriter(path, full, handle, size);
  }

  async stat(path: string): Promise<FileInfo> {
    const full = await this.resolve(path);
    const info = await stat(full).catch((error) => rethrow(error, path));
    const isDir = info.isDirectory();
    return { path, size: isDir ? 0 : info.size, modTime: info.mtime, isDir };
  }

  async list(path: string): Promise<string[]> {
    const full = await this.resolve(path);
    const names = await readdir(full).catch((error) => rethrow(error, path));
    const prefix = path === '/' ? '/' : `${path}/`;
    return names
      .filter(isPathSegment)
      .sort()
      .map((name) => prefix + name);
  }

  async move(source: string, destination: string): Promise<void> {
    const from = await this.resolve(source);
    const to = await this.resolve(destination);
    await lstat(from).catch((error) => rethrow(error, source));
    if (from === to) return;
    if (to.startsWith(`${from}/`)) throw new StorageError(`cannot move ${source} into itself`, destination);
    const dir = await this.makeParent(to, destination);
    await rename(from, to).catch((error) => writeFailure(error, destination));
    await syncDirectory(dir);
  }

  async delete(path: string): Promise<void> {
    const full = await this.resolve(path);
    await lstat(full).catch((error) => rethrow(error, path));
    if (full !== this.root) return rm(full, { recursive: true });
    for (const name of await readdir(full)) await rm(`${full}/${name}`, { recursive: true, force: true });
  }

  /** The file-system path of a driver path, refusing anything that resolves outside the root. */
  private async resolve(path: string): Promise<string> {
    checkPath(path);
    const full = path === '/' ? this.root : this.root + path;
    for (let probe = full; ; probe = dirname(probe)) {
      const real = await realpath(probe).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
        if (error.code === 'ENAMETOOLONG' || error.code === 'ELOOP') throw new InvalidPathError(path);
        throw error;
      });
      if (real !== undefined) {
        if (real !== this.root && !real.startsWith(`${this.root}/`)) throw new InvalidPathError(path);
        return full;
      }
      // Absent, or a dangling symlink, which writing through would create wherever it points.
      if (await isSymlink(probe)) throw new InvalidPathError(path);
      // The root itself is gone (an unmounted volume, say): the store is broken, not empty; never recreate it.
      if (probe.length <= this.root.length) throw new StorageError(`storage root ${this.root} is missing`, path);
    }
  }

  private async makeParent(full: string, path: string): Promise<string> {
    const dir = dirname(full);
    await mkdir(dir, { recursive: true }).catch((error) => writeFailure(error, path));
    return dir;
  }
}

/** Serialises writes (callers need not await each one) and stops at the first failure. */
class FilesystemWriter implements FileWriter {
  private pending: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private readonly path: string,
    private readonly full: string,
    private readonly handle: FileHandle,
    public size: number,
  ) {}

  write(chunk: Buffer): Promise<void> {
    if (this.done) return Promise.reject(new StorageError('writer already closed', this.path));
    this.pending = this.pending.then(() => writeAll(this.handle, chunk));
    this.size += chunk.length;
    return this.pending;
  }

  async commit(): Promise<void> {
    this.finish();
    try {
      await this.pending;
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.pending.catch(() => undefined);
    await this.handle.close();
  }

  async cancel(): Promise<void> {
    await this.close();
    await rm(this.full, { force: true });
  }

  private finish(): void {
    if (this.done) throw new StorageError('writer already closed', this.path);
    this.done = true;
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  for (let written = 0; written < data.length;) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

/** Makes a rename or a new entry in `dir` durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Node's errors on reading as the port's: nothing there (or a file where a directory should be) is PathNotFoundError. */
function rethrow(error: NodeJS.ErrnoException, path: string): never {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EISDIR') throw new PathNotFoundError(path);
  return writeFailure(error, path);
}

/** Node's errors on writing as the port's: a directory in the way is a StorageError, not a missing path. */
function writeFailure(error: NodeJS.ErrnoException, path: string): never {
  if (error instanceof StorageError) throw error;
  if (error.code === 'ENOENT') throw new PathNotFoundError(path);
  if (error.code === 'ENAMETOOLONG') throw new InvalidPathError(path);
  throw new StorageError(`${error.code ?? 'error'}: ${error.message}`, path);
}
