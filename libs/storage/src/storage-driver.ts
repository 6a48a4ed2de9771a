import type { Readable } from 'node:stream';

/**
 * The storage port (distribution's storagedriver.StorageDriver). Paths are absolute, '/'-separated, made
 * of segments matching [A-Za-z0-9._-]+ with no '.' or '..' segment; anything else is InvalidPathError, so
 * no input can name a file outside the driver's root. Drivers are chosen by name (storage.<driver>).
 */
export interface FileInfo {
  path: string;
  /** Bytes; 0 for a directory. */
  size: number;
  modTime: Date;
  isDir: boolean;
}

/** A streaming writer (uploads): bytes go to the file as they arrive; `commit` makes them durable. */
export interface FileWriter {
  /** Bytes in the file so far, including what was there when the writer was opened to append. */
  readonly size: number;
  /**
   * Writes one chunk, resolving when the driver has taken it (backpressure). Writes not awaited one by one
   * still land in call order. The caller must not modify `chunk` until the promise resolves.
   */
  write(chunk: Buffer): Promise<void>;
  /** Flushes and makes everything written durable (fsync), then closes. */
  commit(): Promise<void>;
  /** Closes without the durability guarantee; what was written stays (a resumable upload). */
  close(): Promise<void>;
  /** Closes and removes the file. */
  cancel(): Promise<void>;
}

/** What a redirect URL is for (distribution's URLFor options). */
export interface UrlOptions {
  method: 'GET' | 'HEAD';
  /** Seconds the URL stays valid (distribution: 20 minutes). */
  expiresIn: number;
}

export abstract class StorageDriver {
  abstract readonly name: string;
  /** Whole content of a small file. PathNotFoundError when absent. */
  abstract getContent(path: string): Promise<Buffer>;
  /** Replaces the file atomically: readers see the old or the new content, never part of it. */
  abstract putContent(path: string, content: Buffer): Promise<void>;
  /** Streams the file from `offset` (inclusive) to `end` (inclusive, default: to the end). */
  abstract reader(path: string, offset?: number, end?: number): Promise<Readable>;
  /** Opens a writer; `append` continues an existing file, otherwise it is truncated. */
  abstract writer(path: string, append?: boolean): Promise<FileWriter>;
  abstract stat(path: string): Promise<FileInfo>;
  /** Full paths of the direct children of a directory. PathNotFoundError when absent. */
  abstract list(path: string): Promise<string[]>;
  /** Moves a file or directory, replacing the destination atomically. */
  abstract move(source: string, destination: string): Promise<void>;
  /** Deletes a file or a directory tree. PathNotFoundError when absent. */
  abstract delete(path: string): Promise<void>;
  /**
   * A URL from which a client can fetch the file straight from the store (a presigned URL), or undefined
   * when the driver has none (distribution's ErrUnsupportedMethod): the registry then serves the bytes itself.
   */
  async urlFor(path: string, options: UrlOptions): Promise<string | undefined> {
    void path;
    void options;
    return undefined;
  }
  /**
   * Connects and checks that the store is there (bucket, pool), once at start; a failure is a StorageError
   * whose message names the config key, and stops the start.
   */
  async open(): Promise<void> {}
  /** Releases connections (at shutdown). */
  async close(): Promise<void> {}
}
