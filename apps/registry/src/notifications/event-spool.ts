import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EventGroup, RoutedEvent } from './delivery-queues.js';

/**
 * The local append-only spool where events wait while Redis is unreachable. One JSON line per group commit
 * (its events, each with the endpoints it is for), fsync'd before `append` resolves; a group stays one unit
 * so that the flusher enqueues it with the job ids a direct enqueue of it would have had. Lines of one event
 * object (written before group commit) are read as groups of one. Layout, in `spooldir`:
 *
 *   <name>.spool      events being appended, oldest first
 *   <name>.flushing   the previous .spool, being re-enqueued by the flusher; deleted once all of it is in Redis
 *
 * Crash safety: a line is acknowledged only after fdatasync; rotation is a rename (fsync'd directory); the
 * .flushing file is deleted only after every line of it was enqueued, so a crash replays it (job ids dedupe).
 * Order: .flushing lines are older than .spool lines; callers keep new events behind spooled ones while
 * `pending` is true.
 */
export class EventSpool {
  private readonly activePath: string;
  private readonly flushingPath: string;
  private file?: FileHandle;
  private activeBytes = 0;
  private flushingExists = false;
  /** Events handed to `append` whose write has not finished yet. */
  private unwritten = 0;
  private queued: { text: string; count: number; done: (error?: unknown) => void }[] = [];
  private writeScheduled = false;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    name: string,
  ) {
    this.activePath = join(dir, `${name}.spool`);
    this.flushingPath = join(dir, `${name}.flushing`);
  }

  /** Picks up what a previous process left; a torn last line (crash mid-write) is closed off and skipped on read. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.flushingExists = (await sizeOf(this.flushingPath)) !== undefined;
    this.activeBytes = (await sizeOf(this.activePath)) ?? 0;
    if (this.activeBytes > 0 && !(await endsWithNewline(this.activePath, this.activeBytes)))
      await this.exclusive(() => this.write('\n'));
  }

  /** True while events wait here: new events must be appended behind them, not enqueued directly. */
  get pending(): boolean {
    return this.unwritten > 0 || this.activeBytes > 0 || this.flushingExists;
  }

  /** Appends a group durably as one line (concurrent appends share one write and one fdatasync). */
  append(group: EventGroup): Promise<void> {
    this.unwritten += group.length;
    const text = `${JSON.stringify(group)}\n`;
    return new Promise((resolve, reject) => {
      this.queued.push({ text, count: group.length, done: (error) => (error ? reject(error) : resolve()) });
      if (this.writeScheduled) return;
      this.writeScheduled = true;
      void this.exclusive(() => this.writeQueued());
    });
  }

  /** The file to flush next: the unfinished .flushing, else the .spool renamed to it; undefined when empty. */
  takeFile(): Promise<string | undefined> {
    return this.exclusive(async () => {
      if (this.flushingExists) return this.flushingPath;
      if (this.activeBytes === 0) return undefined;
      await this.file?.close();
      this.file = undefined;
      await rename(this.activePath, this.flushingPath);
      await syncDir(this.dir);
      this.activeBytes = 0;
      this.flushingExists = true;
      return this.flushingPath;
    });
  }

  /** Reads a spool file's groups in order, about `size` events at a time; unreadable lines go to `onCorrupt`. */
  async *read(path: string, size: number, onCorrupt: (line: string) => void): AsyncGenerator<EventGroup[]> {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    const batch: EventGroup[] = [];
    let events = 0;
    try {
      for await (const line of lines) {
        const group = parseLine(line);
        if (group) {
          batch.push(group);
          events += group.length;
        } else if (line.trim()) onCorrupt(line);
        if (events >= size) {
          yield batch.splice(0);
          events = 0;
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      lines.close();
    }
  }

  /** Every event of `path` is in Redis: drop the file. */
  complete(path: string): Promise<void> {
    return this.exclusive(async () => {
      await unlink(path);
      await syncDir(this.dir);
      if (path === this.flushingPath) this.flushingExists = false;
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      await this.file?.close();
      this.file = undefined;
    });
  }

  private async writeQueued(): Promise<void> {
    this.writeScheduled = false;
    const batch = this.queued.splice(0);
    const count = batch.reduce((sum, item) => sum + item.count, 0);
    try {
      await this.write(batch.map((item) => item.text).join(''));
      for (const item of batch) item.done();
    } catch (error) {
      for (const item of batch) item.done(error);
    } finally {
      this.unwritten -= count;
    }
  }

  /** Appends and fdatasyncs; on failure cuts the file back so no torn line precedes later ones. */
  private async write(text: string): Promise<void> {
    const file = await this.activeFile();
    try {
      await file.appendFile(text);
      await file.datasync();
      this.activeBytes += Buffer.byteLength(text);
    } catch (error) {
      await file.truncate(this.activeBytes).catch(() => undefined);
      throw error;
    }
  }

  private async activeFile(): Promise<FileHandle> {
    if (this.file) return this.file;
    await mkdir(this.dir, { recursive: true });
    this.file = await open(this.activePath, 'a');
    await syncDir(this.dir);
    return this.file;
  }

  /** Runs `task` after every earlier write, rotation and deletion (they share the files). */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.lock.then(task);
    this.lock = result.catch(() => undefined);
    return result;
  }
}

function parseLine(line: string): EventGroup | undefined {
  try {
    const parsed = JSON.parse(line) as EventGroup | RoutedEvent;
    const group = Array.isArray(parsed) ? parsed : [parsed];
    return group.length > 0 && group.every(isRoutedEvent) ? group : undefined;
  } catch {
    return undefined;
  }
}

function isRoutedEvent(item: RoutedEvent | null): boolean {
  return !!item && typeof item.event?.id === 'string' && Array.isArray(item.endpoints);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function endsWithNewline(path: string, size: number): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer } = await file.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await file.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
