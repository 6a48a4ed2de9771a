import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '@app/config';
import { withTimeout } from '@app/async';
import { MailJobNames, QueueNames, mailJobId, type MailSendJob, type MailSummaryJob } from '@app/queue';
import { createRedis } from '@app/redis';
import type { MailReport } from './mail-report.js';
import type { MailSettings } from './mail-settings.js';
import { MailThrottle } from './mail-throttle.js';

/** Completed mail jobs are kept a while so that a repeated enqueue of the same id stays a no-op. */
const KEEP_COMPLETED = { age: 86_400, count: 10_000 };

/**
 * The producer side of the mail queue, in every process: counts a report in the shared throttle and, when it
 * opens a window, enqueues the mail (if the cap allows) and the window's summary, with ids derived from the
 * fingerprint and window so that a retry adds nothing twice. The Redis connection is made on first use and
 * fails fast while Redis is down (callers keep or spool what they could not hand off).
 */
export class MailOutbox {
  private redis?: Redis;
  private queue?: Queue<MailSendJob | MailSummaryJob>;
  private throttle?: MailThrottle;
  /** Jobs of opened windows that could not be added yet, by fingerprint and window. */
  private readonly unqueued = new Map<string, () => Promise<unknown>>();
  private retryTimer?: NodeJS.Timeout;
  /** The first connection attempt, shared by the hand-offs that arrive while it is made. */
  private connecting?: Promise<void>;

  constructor(
    private readonly settings: MailSettings,
    private readonly redisConfig: RedisConfig,
  ) {}

  /**
   * Hands `count` occurrences of a report to Redis; rejects after `timeoutMs` or when Redis is down. With
   * `strict` (a panic, whose process is about to exit) it also rejects when the occurrence was counted but its
   * jobs could not be added, so that the caller falls back to SMTP; otherwise those jobs are retried here.
   */
  async submit(report: MailReport, count: number, timeoutMs: number, strict = false): Promise<void> {
    await withTimeout(this.handOff(report, count, strict), timeoutMs, 'mail hand-off to redis');
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.queue?.close().catch(() => undefined);
    this.redis?.disconnect();
  }

  private async handOff(report: MailReport, count: number, strict: boolean): Promise<void> {
    const { queue, throttle } = await this.connect();
    const decision = await throttle.register(report.fingerprint, count, JSON.stringify(report));
    if (decision.action === 'count') return;
    const enqueue = (): Promise<unknown> => {
      const jobs = [enqueueSummary(queue, report.fingerprint, decision.window, this.settings.window)];
      if (decision.action === 'mail') {
        const mail: MailSendJob = {
          subject: `${this.settings.subjectPrefix} ${report.subject}`.trim(),
          text: report.text,
          fingerprint: report.fingerprint,
        };
        jobs.push(
          queue.add(MailJobNames.send, mail, sendJobOptions(mailJobId('first', report.fingerprint, decision.window))),
        );
      }
      return Promise.all(jobs);
    };
    try {
      await enqueue();
    } catch (error) {
      // The occurrence is counted in Redis already: re-submitting it would count it twice. Add the jobs later.
      this.unqueued.set(`${report.fingerprint}-${decision.window}`, enqueue);
      this.retryUnqueued();
      if (strict) throw error;
    }
  }

  /** Retries adding the jobs of windows opened while Redis dropped between the count and the add (ids make it safe). */
  private retryUnqueued(): void {
    if (this.retryTimer || this.unqueued.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const [key, enqueue] of this.unqueued) {
        void enqueue().then(
          () => this.unqueued.delete(key),
          () => this.retryUnqueued(),
        );
      }
    }, 1_000);
    this.retryTimer.unref();
  }

  private async connect(): Promise<{ queue: Queue<MailSendJob | MailSummaryJob>; throttle: MailThrottle }> {
    if (!this.redis) {
      this.redis = createRedis(this.redisConfig, 'producer', { lazyConnect: true });
      this.redis.on('error', () => undefined);
    }
    if (this.redis.status === 'wait')
      this.connecting ??= this.redis.connect().finally(() => (this.connecting = undefined));
    if (this.connecting) await this.connecting;
    if (this.redis.status !== 'ready') throw new Error(`redis not ready (${this.redis.status})`);
    if (!this.queue) {
      this.queue = new Queue(QueueNames.mail, { connection: this.redis, prefix: this.settings.redisPrefix });
      // Outages surface as rejected hand-offs; an unheard 'error' event would crash the process.
      this.queue.on('error', () => undefined);
    }
    this.throttle ??= new MailThrottle(this.redis, {
      prefix: this.settings.redisPrefix,
      window: this.settings.window,
      maxPerWindow: this.settings.maxPerWindow,
    });
    return { queue: this.queue, throttle: this.throttle };
  }
}

/** A send job is tried until it goes out: SMTP may be down for hours; the backoff is the consumer's. */
export function sendJobOptions(jobId: string): {
  jobId: string;
  attempts: number;
  backoff: { type: string };
  removeOnComplete: typeof KEEP_COMPLETED;
  removeOnFail: boolean;
} {
  return { jobId, attempts: 100_000, backoff: { type: 'mail' }, removeOnComplete: KEEP_COMPLETED, removeOnFail: false };
}

/** The job that closes a window when it ends (delayed by the window length). */
export function enqueueSummary(
  queue: Queue<MailSendJob | MailSummaryJob>,
  fingerprint: string,
  window: number,
  length: number,
): Promise<unknown> {
  const job: MailSummaryJob = { fingerprint, window };
  const delay = Math.max(0, window + length - Date.now());
  return queue.add(MailJobNames.summary, job, { ...sendJobOptions(mailJobId('summary', fingerprint, window)), delay });
}
