import type { Readable } from 'node:stream';
import type { Logger } from '@app/logging';
import {
  InvalidOffsetError,
  InvalidPathError,
  PathNotFoundError,
  StorageDriver,
  type FileInfo,
  type FileWriter,
  type UrlOptions,
} from '@app/storage';
import { StorageUnavailableError } from '../errors/index.js';

/** The driver's answers about content; anything else it throws means the store itself is failing. */
function isAnswer(error: unknown): boolean {
  return error instanceof PathNotFoundError || error instanceof InvalidPathError || error instanceof InvalidOffsetError;
}

/**
 * Makes a broken store look broken (STYLE 13: it wraps the driver, the services know nothing of it): every
 * failure of the driver that is not an answer about content (a missing or unreadable root, EIO, a full disk, a
 * store that errors) becomes a StorageUnavailableError, which the HTTP layer answers 503 UNAVAILABLE. An outage
 * begins with the first such failure after a success and ends with the next success; each is logged once
 * (the beginning at error level, so it is mailed once).
 */
export class StorageOutageDriver extends StorageDriver {
  readonly name: string;
  private failing = false;

  constructor(
    private readonly inner: StorageDriver,
    private readonly logger: Logger,
  ) {
    super();
    this.name = inner.name;
  }

  getContent(path: string): Promise<Buffer> {
    return this.watch(() => this.inner.getContent(path));
  }
  putContent(path: string, content: Buffer): Promise<void> {
    return this.watch(() => this.inner.putContent(path, content));
  }
  reader(path: string, offset?: number, end?: number): Promise<Readable> {
    return this.watch(() => this.inner.reader(path, offset, end));
  }
  async writer(path: string, append?: boolean): Promise<FileWriter> {
    const writer = await this.watch(() => this.inner.writer(path, append));
    const watch = <T>(call: () => Promise<T>) => this.watch(call);
    return {
      get size() {
        return writer.size;
      },
      write: (chunk) => watch(() => writer.write(chunk)),
      commit: () => watch(() => writer.commit()),
      close: () => watch(() => writer.close()),
      cancel: () => watch(() => writer.cancel()),
    };
  }
  stat(path: string): Promise<FileInfo> {
    return this.watch(() => this.inner.stat(path));
  }
  list(path: string): Promise<string[]> {
    return this.watch(() => this.inner.list(path));
  }
  move(source: string, destination: string): Promise<void> {
    return this.watch(() => this.inner.move(source, destination));
  }
  delete(path: string): Promise<void> {
    return this.watch(() => this.inner.delete(path));
  }
  override urlFor(path: string, options: UrlOptions): Promise<string | undefined> {
    return this.watch(() => this.inner.urlFor(path, options));
  }
  override open(): Promise<void> {
    return this.inner.open();
  }
  override close(): Promise<void> {
    return this.inner.close();
  }

  private async watch<T>(call: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (isAnswer(error)) throw error;
      const first = !this.failing;
      this.failing = true;
      throw new StorageUnavailableError(this.name, error, first);
    }
    if (this.failing) {
      this.failing = false;
      this.logger.info({ driver: this.name }, 'storage available again');
    }
    return result;
  }
}
