import { Readable } from 'node:stream';
import { checkPath, InvalidOffsetError, PathNotFoundError, StorageError } from './errors.js';
import { StorageDriver, type FileInfo, type FileWriter } from './storage-driver.js';

/**
 * A file's content: immutable chunks, only ever appended to. A reader reads up to the size the file had
 * when it opened; putContent replaces the whole object, so an open reader never sees a mix.
 */
interface MemoryFile {
  chunks: Buffer[];
  size: number;
  modTime: Date;
}

/**
 * The `inmemory` driver (distribution's inmemory): files in a map keyed by path; directories exist only as
 * the ancestors of files, as in distribution. For tests and development; nothing survives the process.
 */
export class InMemoryDriver extends StorageDriver {
  readonly name = 'inmemory';
  private readonly files = new Map<string, MemoryFile>();

  async getContent(path: string): Promise<Buffer> {
    const file = this.file(checkPath(path));
    return Buffer.concat(file.chunks, file.size);
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    this.create(checkPath(path), [Buffer.from(content)], content.length);
  }

  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    const file = this.file(checkPath(path));
    if (!Number.isInteger(offset) || offset < 0 || offset > file.size) throw new InvalidOffsetError(path, offset);
    const last = end === undefined ? file.size - 1 : Math.min(end, file.size - 1);
    return Readable.from(slices(file.chunks, offset, last), { objectMode: false });
  }

  async writer(path: string, append = false): Promise<FileWriter> {
    checkPath(path);
    let file = this.files.get(path);
    if (!append || !file) file = this.create(path, [], 0);
    return new MemoryWriter(this.files, path, file);
  }

  async stat(path: string): Promise<FileInfo> {
    checkPath(path);
    const file = this.files.get(path);
    if (file) return { path, size: file.size, modTime: file.modTime, isDir: false };
    const descendants = [...this.descendants(path)];
    if (descendants.length === 0 && path !== '/') throw new PathNotFoundError(path);
    const modTime = descendants.reduce((latest, [, f]) => (f.modTime > latest ? f.modTime : latest), new Date(0));
    return { path, size: 0, modTime, isDir: true };
  }

  async list(path: string): Promise<string[]> {
    checkPath(path);
    if (this.files.has(path)) throw new PathNotFoundError(path);
    const prefix = path === '/' ? '/' : `${path}/`;
    const children = new Set<string>();
    for (const [key] of this.descendants(path)) children.add(prefix + key.slice(prefix.length).split('/')[0]);
    if (children.size === 0 && path !== '/') throw new PathNotFoundError(path);
    return [...children].sort();
  }

  async move(source: string, destination: string): Promise<void> {
    checkPath(source);
    checkPath(destination);
    if (source === destination) {
      await this.stat(source);
      return;
    }
    const file = this.files.get(source);
    if (file) {
      this.checkPlaceable(destination);
      this.files.delete(source);
      this.files.set(destination, file);
      return;
    }
    const moved = [...this.descendants(source)];
    if (moved.length === 0) throw new PathNotFoundError(source);
    if (destination.startsWith(`${source}/`)) throw new StorageError(`cannot move ${source} into itself`, destination);
    if (this.files.has(destination)) throw new StorageError(`not a directory: ${destination}`, destination);
    this.checkPlaceable(destination);
    for (const [key, entry] of moved) {
      this.files.delete(key);
      this.files.set(destination + key.slice(source.length), entry);
    }
  }

  async delete(path: string): Promise<void> {
    checkPath(path);
    if (path === '/') return this.files.clear();
    if (this.files.delete(path)) return;
    const doomed = [...this.descendants(path)];
    if (doomed.length === 0) throw new PathNotFoundError(path);
    for (const [key] of doomed) this.files.delete(key);
  }

  private file(path: string): MemoryFile {
    const file = this.files.get(path);
    if (!file) throw new PathNotFoundError(path);
    return file;
  }

  /** Puts a new file at `path` (replacing a file there) after checking no ancestor is a file. */
  private create(path: string, chunks: Buffer[], size: number): MemoryFile {
    this.checkPlaceable(path);
    const file = { chunks, size, modTime: new Date() };
    this.files.set(path, file);
    return file;
  }

  /** A file may go at `path` unless a directory is there or a file is where a parent directory must be. */
  private checkPlaceable(path: string): void {
    if (path === '/') throw new StorageError('the root is a directory', path);
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      if (this.files.has(path.slice(0, i))) throw new StorageError(`not a directory: ${path.slice(0, i)}`, path);
    }
    if (!this.descendants(path).next().done) throw new StorageError(`is a directory: ${path}`, path);
  }

  private *descendants(path: string): Generator<[string, MemoryFile]> {
    const prefix = path === '/' ? '/' : `${path}/`;
    for (const entry of this.files) if (entry[0].startsWith(prefix)) yield entry;
  }
}

/** Bytes `offset`..`last` (inclusive) of a chunk list, as zero-copy subarrays. */
function* slices(chunks: Buffer[], offset: number, last: number): Generator<Buffer> {
  let position = 0;
  for (const chunk of chunks) {
    const start = Math.max(offset - position, 0);
    const stop = Math.min(last + 1 - position, chunk.length);
    if (stop > start) yield chunk.subarray(start, stop);
    position += chunk.length;
    if (position > last) return;
  }
}

class MemoryWriter implements FileWriter {
  private done = false;

  constructor(
    private readonly files: Map<string, MemoryFile>,
    private readonly path: string,
    private readonly file: MemoryFile,
  ) {}

  get size(): number {
    return this.file.size;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.done) throw new StorageError('writer already closed', this.path);
    if (chunk.length === 0) return;
    // Copied: the caller may reuse its buffer. Chunks already there never change, so open readers (bounded
    // by the size at their opening) are unaffected by the push.
    this.file.chunks.push(Buffer.from(chunk));
    this.file.size += chunk.length;
    this.file.modTime = new Date();
  }

  async commit(): Promise<void> {
    this.finish();
  }

  async close(): Promise<void> {
    this.done = true;
  }

  async cancel(): Promise<void> {
    this.done = true;
    if (this.files.get(this.path) === this.file) this.files.delete(this.path);
  }

  private finish(): void {
    if (this.done) throw new StorageError('writer already closed', this.path);
    this.done = true;
  }
}
