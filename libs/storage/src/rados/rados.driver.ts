import { Readable } from 'node:stream';
import { ConfigError, type RadosConfig } from '@app/config';
import { checkPath, InvalidOffsetError, PathNotFoundError, StorageError, StoreUnavailableError } from '../errors.js';
import { StorageDriver, type FileInfo, type FileWriter } from '../storage-driver.js';
import { ECANCELED, ENOENT, RadosError } from './librados.js';
import { RadosData } from './rados-data.js';
import { RadosPool } from './rados-pool.js';
import { fileValue, newOid, RadosTree, type FileEntry } from './rados-tree.js';
import { RadosWriter } from './rados-writer.js';

/** Tries of an update that lost a race with another writer of the same path. */
const RACE_TRIES = 5;

/**
 * The `rados` driver (distribution's seed): files in `chunksize` data objects of a Ceph pool, the directory tree
 * in omap (RadosTree), reached through librados over koffi. Move relinks a file's objects (no copy); putContent
 * writes new objects and swaps the link atomically.
 */
export class RadosDriver extends StorageDriver {
  readonly name = 'rados';
  private pool?: RadosPool;
  private tree!: RadosTree;
  private data!: RadosData;
  private readonly writers = new Map<string, RadosWriter>();

  constructor(private readonly config: RadosConfig) {
    super();
  }

  /** Loads librados, connects with `conffile` as `username` and opens `poolname`; a failure names the key. */
  override async open(): Promise<void> {
    let pool: RadosPool;
    try {
      pool = await RadosPool.connect(this.config);
    } catch (error) {
      const message = (error as Error).message;
      if (!(error instanceof RadosError)) throw new ConfigError(`storage.rados: ${message}`);
      if (error.call.startsWith('rados_ioctx_create'))
        throw new ConfigError(`storage.rados.poolname: cannot open pool ${this.config.poolname}: ${message}`);
      if (error.call.startsWith('rados_conf_read_file'))
        throw new ConfigError(`storage.rados.conffile: cannot read ${this.config.conffile}: ${message}`);
      throw new ConfigError(
        `storage.rados.conffile: cannot connect to the cluster of ${this.config.conffile}: ${message}`,
      );
    }
    this.pool = pool;
    this.tree = new RadosTree(pool);
    this.data = new RadosData(pool);
  }

  override async close(): Promise<void> {
    this.pool?.close();
    this.pool = undefined;
  }

  async getContent(path: string): Promise<Buffer> {
    return this.run(path, async () => {
      for (let attempt = 1; ; attempt++) {
        const file = await this.file(path);
        try {
          return await this.data.read(file);
        } catch (error) {
          // Replaced by another process between the lookup and the read: read the new content.
          if (attempt >= RACE_TRIES || !(error instanceof RadosError && error.errno === ENOENT)) throw error;
        }
      }
    });
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    const { chunksize } = this.config;
    const file: FileEntry = {
      kind: 'file',
      oid: newOid(),
      size: content.length,
      modTime: 0,
      chunkSize: chunksize,
      raw: '',
    };
    await this.run(path, async () => {
      const before = await this.tree.entry(checkPath(path));
      if (before?.kind === 'dir') throw new StorageError(`is a directory: ${path}`, path);
      await this.data.write(file.oid, chunksize, 0, content);
      await this.relink(path, fileValue(file.oid, content.length, Date.now(), chunksize), before);
    });
  }

  /**
   * A stream of the file, its data pinned (kept from removal in this process) and the link looked at again, so
   * that a replacement between the look-up and the pin is read as the new content, not as missing objects.
   */
  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    const { file, release } = await this.run(path, async () => {
      for (let attempt = 1; ; attempt++) {
        const found = await this.file(path);
        const unpin = this.data.pin(found.oid);
        const again = await this.tree.entry(path);
        if (again?.kind === 'file' && again.oid === found.oid) return { file: again, release: unpin };
        unpin();
        if (attempt >= RACE_TRIES) throw new StorageError(`${path} keeps being replaced`, path);
      }
    });
    const invalid = !Number.isInteger(offset) || offset < 0 || offset > file.size;
    const last = end === undefined ? file.size - 1 : Math.min(end, file.size - 1);
    if (invalid || last < offset) release();
    if (invalid) throw new InvalidOffsetError(path, offset);
    if (last < offset) return Readable.from([]);
    return this.data.stream(file, offset, last, release);
  }

  async writer(path: string, append = false): Promise<FileWriter> {
    checkPath(path);
    await this.writers
      .get(path)
      ?.close()
      .catch(() => undefined);
    return this.run(path, async () => {
      const before = await this.tree.entry(path);
      if (before?.kind === 'dir') throw new StorageError(`is a directory: ${path}`, path);
      let file = append && before?.kind === 'file' ? before : undefined;
      if (!file) {
        const value = fileValue(newOid(), 0, Date.now(), this.config.chunksize);
        await this.relink(path, value, before);
        file = (await this.file(path)) as FileEntry;
      }
      const writer: RadosWriter = new RadosWriter({
        path,
        tree: this.tree,
        data: this.data,
        file,
        fail: (error) => this.fail(error, path),
        done: () => void (this.writers.get(path) === writer && this.writers.delete(path)),
      });
      this.writers.set(path, writer);
      return writer;
    });
  }

  async stat(path: string): Promise<FileInfo> {
    const entry = await this.run(path, () => this.tree.entry(checkPath(path)));
    if (!entry) throw new PathNotFoundError(path);
    if (entry.kind === 'dir') return { path, size: 0, modTime: new Date(0), isDir: true };
    return { path, size: entry.size, modTime: new Date(entry.modTime), isDir: false };
  }

  async list(path: string): Promise<string[]> {
    const children = await this.run(path, () => this.tree.children(checkPath(path)));
    if (children.size === 0 && path !== '/') throw new PathNotFoundError(path);
    const base = path === '/' ? '/' : `${path}/`;
    return [...children.keys()].sort().map((name) => base + name);
  }

  async move(source: string, destination: string): Promise<void> {
    checkPath(destination);
    await this.run(source, async () => {
      const entry = await this.tree.entry(checkPath(source));
      if (!entry) throw new PathNotFoundError(source);
      if (source === destination) return;
      if (destination.startsWith(`${source}/`))
        throw new StorageError(`cannot move ${source} into itself`, destination);
      const target = await this.tree.entry(destination);
      if (entry.kind === 'file') {
        if (target?.kind === 'dir') throw new StorageError(`is a directory: ${destination}`, destination);
        await this.relink(destination, entry.raw, target, entry.oid);
        await this.tree.unlink(source, entry.raw);
        return;
      }
      if (target?.kind === 'file') throw new StorageError(`not a directory: ${destination}`, destination);
      const files: Array<[string, FileEntry]> = [];
      for await (const found of this.tree.files(source)) files.push(found);
      for (const [path, file] of files) await this.tree.link(destination + path.slice(source.length), file.raw);
      for (const [path, file] of files) await this.tree.unlink(path, file.raw);
    });
  }

  async delete(path: string): Promise<void> {
    await this.run(path, async () => {
      const entry = await this.tree.entry(checkPath(path));
      if (!entry) throw new PathNotFoundError(path);
      const files: Array<[string, FileEntry]> = [];
      if (entry.kind === 'file') files.push([path, entry]);
      else for await (const found of this.tree.files(path)) files.push(found);
      for (const [file, found] of files) {
        await this.tree.unlink(file, found.raw);
        await this.data.remove(found);
      }
    });
  }

  /**
   * Links `path` to `value` in place of `before` (retrying when another writer got there first), then removes the
   * data of the file it replaced unless that is `keep` (a file moved onto itself).
   */
  private async relink(path: string, value: string, before: Awaited<ReturnType<RadosTree['entry']>>, keep?: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.tree.link(path, value, before?.raw);
        break;
      } catch (error) {
        if (attempt >= RACE_TRIES || !(error instanceof RadosError && error.errno === ECANCELED)) throw error;
        before = await this.tree.entry(path);
        if (before?.kind === 'dir') throw new StorageError(`is a directory: ${path}`, path);
      }
    }
    if (before?.kind === 'file' && before.oid !== keep) await this.data.remove(before);
  }

  private async file(path: string): Promise<FileEntry> {
    const entry = await this.tree.entry(checkPath(path));
    if (entry?.kind !== 'file') throw new PathNotFoundError(path);
    return entry;
  }

  /** Runs a call on the open pool, its librados failure as the port's error. */
  private async run<T>(path: string, call: () => Promise<T>): Promise<T> {
    checkPath(path);
    if (!this.pool) throw new StoreUnavailableError('the rados driver is not connected', path);
    try {
      return await call();
    } catch (error) {
      throw this.fail(error, path);
    }
  }

  private fail(error: unknown, path: string): StorageError {
    if (error instanceof StorageError) return error;
    if (error instanceof RadosError && error.errno === ECANCELED)
      return new StorageError(`${path} was changed by another writer at the same time`, path);
    const message = error instanceof Error ? error.message : String(error);
    return new StoreUnavailableError(`rados: ${message}`, path, { cause: error });
  }
}
