import type { Readable } from 'node:stream';
import { Histogram, register, type Registry } from 'prom-client';
import { PathNotFoundError, StorageDriver, type FileInfo, type FileWriter, type UrlOptions } from '@app/storage';

type Action = 'GetContent' | 'PutContent' | 'Reader' | 'Writer' | 'Stat' | 'List' | 'Move' | 'Delete' | 'URLFor';

/**
 * A StorageDriver that times every call of the one it wraps, as distribution's
 * registry_storage_action_seconds{driver, action} (action names are distribution's method names). For
 * Reader and Writer the time is that of opening the stream. A "not found" answer is a normal outcome and
 * is timed like a success.
 */
export class InstrumentedStorageDriver extends StorageDriver {
  readonly name: string;
  private readonly seconds: Histogram<'driver' | 'action'>;

  constructor(
    private readonly inner: StorageDriver,
    registry: Registry = register,
  ) {
    super();
    this.name = inner.name;
    this.seconds =
      (registry.getSingleMetric('registry_storage_action_seconds') as Histogram<'driver' | 'action'> | undefined) ??
      new Histogram({
        name: 'registry_storage_action_seconds',
        help: 'The number of seconds that the storage action takes',
        labelNames: ['driver', 'action'],
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      });
  }

  getContent(path: string): Promise<Buffer> {
    return this.timed('GetContent', () => this.inner.getContent(path));
  }
  putContent(path: string, content: Buffer): Promise<void> {
    return this.timed('PutContent', () => this.inner.putContent(path, content));
  }
  reader(path: string, offset?: number, end?: number): Promise<Readable> {
    return this.timed('Reader', () => this.inner.reader(path, offset, end));
  }
  writer(path: string, append?: boolean): Promise<FileWriter> {
    return this.timed('Writer', () => this.inner.writer(path, append));
  }
  stat(path: string): Promise<FileInfo> {
    return this.timed('Stat', () => this.inner.stat(path));
  }
  list(path: string): Promise<string[]> {
    return this.timed('List', () => this.inner.list(path));
  }
  move(source: string, destination: string): Promise<void> {
    return this.timed('Move', () => this.inner.move(source, destination));
  }
  delete(path: string): Promise<void> {
    return this.timed('Delete', () => this.inner.delete(path));
  }

  override urlFor(path: string, options: UrlOptions): Promise<string | undefined> {
    return this.timed('URLFor', () => this.inner.urlFor(path, options));
  }
  override open(): Promise<void> {
    return this.inner.open();
  }
  override close(): Promise<void> {
    return this.inner.close();
  }

  private async timed<T>(action: Action, call: () => Promise<T>): Promise<T> {
    const end = this.seconds.startTimer({ driver: this.name, action });
    try {
      const result = await call();
      end();
      return result;
    } catch (error) {
      if (error instanceof PathNotFoundError) end();
      throw error;
    }
  }
}
