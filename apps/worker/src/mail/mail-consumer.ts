import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { Mailer, MailThrottle, enqueueSummary, sendJobOptions, type MailReport, type MailSettings } from '@app/mail';
import { createRedis } from '@app/redis';
import { MailJobNames, QueueNames, mailJobId, type MailSendJob, type MailSummaryJob } from '@app/queue';

type MailJob = MailSendJob | MailSummaryJob;

/** Delay before the n-th retry of a mail: 1 s doubling, capped at `mail.maxbackoff`. */
export function mailBackoff(attemptsMade: number, maxBackoff: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, Math.min(attemptsMade - 1, 30)), maxBackoff);
}

/**
 * The worker's consumer of the mail queue. `send` jobs go out over SMTP and are retried with backoff while the
 * server is down (the job stays in Redis until sent, so a restart loses nothing); `summary` jobs close a
 * fingerprint's window and turn its count into one follow-up mail. Its own failures are logged at warn and
 * marked `nomail`: the mail path never mails about itself.
 */
export class MailConsumer {
  private worker?: Worker<MailJob>;
  private readonly workerRedis: Redis;
  private readonly redis: Redis;
  private readonly queue: Queue<MailJob>;
  private readonly throttle: MailThrottle;

  constructor(
    private readonly settings: MailSettings,
    redisConfig: RedisConfig,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
  ) {
    this.redis = createRedis(redisConfig, 'worker', { name: 'worker-mail' });
    this.redis.on('error', () => undefined);
    this.workerRedis = createRedis(redisConfig, 'worker', { name: 'worker-mail-consumer' });
    this.workerRedis.on('error', () => undefined);
    this.queue = new Queue<MailJob>(QueueNames.mail, { connection: this.redis, prefix: settings.redisPrefix });
    this.queue.on('error', () => undefined);
    this.throttle = new MailThrottle(this.redis, {
      prefix: settings.redisPrefix,
      window: settings.window,
      maxPerWindow: settings.maxPerWindow,
    });
  }

  start(): void {
    this.worker = new Worker<MailJob>(QueueNames.mail, (job) => this.process(job), {
      connection: this.workerRedis,
      prefix: this.settings.redisPrefix,
      concurrency: 1,
      // One send may take a few SMTP timeouts (connect, greeting, replies); the lock must outlive it, or the job
      // would be taken as stalled and sent twice.
      lockDuration: Math.max(30_000, this.settings.timeout * 6),
      settings: { backoffStrategy: (attemptsMade: number) => mailBackoff(attemptsMade, this.settings.maxBackoff) },
    });
    this.worker.on('failed', (job, error) => {
      this.logger.warn(
        { nomail: true, job: job?.id, attempt: job?.attemptsMade, reason: error.message },
        'mail not sent yet; will retry',
      );
    });
    this.worker.on('error', (error) =>
      this.logger.warn({ nomail: true, reason: error.message }, 'mail queue consumer error'),
    );
  }

  /** Stops taking jobs at once, without waiting for the one in hand (the process is about to die). */
  async abandon(): Promise<void> {
    await this.worker?.close(true);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
    this.workerRedis.disconnect();
    this.mailer.close();
  }

  private async process(job: Job<MailJob>): Promise<void> {
    if (job.name === MailJobNames.send) return this.send(job.data as MailSendJob);
    if (job.name === MailJobNames.summary) return this.summarize(job.data as MailSummaryJob);
    throw new Error(`unknown mail job ${job.name}`);
  }

  private async send(mail: MailSendJob): Promise<void> {
    await this.mailer.send(mail);
    this.logger.info({ subject: mail.subject, fingerprint: mail.fingerprint }, 'mail sent');
  }

  /** Idempotent: the throttle records each window's close, and the follow-up and next summary have fixed ids. */
  private async summarize({ fingerprint, window }: MailSummaryJob): Promise<void> {
    const closed = await this.throttle.close(fingerprint, window);
    const jobs: Promise<unknown>[] = [];
    if (closed.mail && closed.pending > 0 && closed.sample) {
      const mail = this.followUp(JSON.parse(closed.sample) as MailReport, closed.pending, window);
      jobs.push(this.queue.add(MailJobNames.send, mail, sendJobOptions(mailJobId('followup', fingerprint, window))));
    }
    if (closed.next !== undefined)
      jobs.push(enqueueSummary(this.queue, fingerprint, closed.next, this.settings.window));
    await Promise.all(jobs);
  }

  private followUp(sample: MailReport, count: number, window: number): MailSendJob {
    const times = count === 1 ? 'once more' : `${count} more times`;
    const text = [
      `The following occurred ${times} since ${new Date(window).toISOString()} (not mailed one by one).`,
      `count: ${count}`,
      '',
      sample.text,
    ].join('\n');
    return {
      subject: `${this.settings.subjectPrefix} [${count}x] ${sample.subject}`.trim(),
      text,
      fingerprint: sample.fingerprint,
    };
  }
}
