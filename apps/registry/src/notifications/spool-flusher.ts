import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@app/logging';
import type { DeliveryQueues } from './delivery-queues.js';
import type { EventSpool } from './event-spool.js';
import { withTimeout } from '@app/async';

export interface SpoolFlusherOptions {
  /** Events per enqueue round trip (whole groups: a little more when a group crosses the mark). */
  batchSize: number;
  /** Longest one enqueue may take before it is retried. */
  enqueueTimeout: number;
  /** Delay before the first retry while Redis is down; doubles up to `maxRetryDelay`. */
  retryDelay: number;
  maxRetryDelay: number;
}

/**
 * Moves spooled events into Redis, oldest first, once Redis answers: one file at a time, batch by batch,
 * retrying a batch until it is in (job ids make a repeated batch add nothing), then deleting the file.
 * Runs in the background; `kick` starts it (after each spool append, at start-up), `close` stops it.
 */
export class SpoolFlusher {
  private running?: Promise<void>;
  private again = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly spool: EventSpool,
    private readonly queues: DeliveryQueues,
    private readonly logger: Logger,
    private readonly options: SpoolFlusherOptions,
  ) {}

  kick(): void {
    if (this.stop.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run()
      .catch((error: unknown) => {
        if (this.stop.signal.aborted) return;
        this.logger.error({ err: error }, 'notification spool flush failed; retrying');
        setTimeout(() => this.kick(), this.options.maxRetryDelay).unref();
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) this.kick();
      });
  }

  /** Resolves when the current flush (if any) is over. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    this.again = false;
    for (let file = await this.spool.takeFile(); file; file = await this.spool.takeFile()) {
      let flushed = 0;
      for await (const groups of this.spool.read(file, this.options.batchSize, (line) =>
        this.logger.warn({ line: line.slice(0, 200) }, 'unreadable notification spool line skipped'),
      )) {
        await this.enqueue(groups);
        flushed += groups.reduce((sum, group) => sum + group.length, 0);
      }
      await this.spool.complete(file);
      this.logger.info({ events: flushed }, 'notification spool flushed into redis');
    }
  }

  private async enqueue(batch: Parameters<DeliveryQueues['enqueue']>[0]): Promise<void> {
    for (let delay = this.options.retryDelay; ; delay = Math.min(delay * 2, this.options.maxRetryDelay)) {
      this.stop.signal.throwIfAborted();
      if (this.queues.ready) {
        try {
          await withTimeout(this.queues.enqueue(batch), this.options.enqueueTimeout, 'spool flush enqueue');
          return;
        } catch (error) {
          this.logger.debug({ err: error }, 'spool flush enqueue failed; retrying');
        }
      }
      await sleep(delay, undefined, { signal: this.stop.signal });
    }
  }
}
