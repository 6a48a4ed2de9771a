import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EndpointConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { QueueNames, type DeliveryJob } from '@app/queue';
import { encodeEvents } from './envelope-encoder.js';
import { HttpSender } from './http-sender.js';
import { classifyAttempt, retryPolicyFor, type AttemptResult, type RetryPolicy } from './retry-policy.js';
import { peekWaitingJobs, takeWaitingJobs } from './batch-collector.js';
import { batchWebhookId, WebhookSigner } from './webhook-signer.js';
import type { AttemptItem, DeliveryRecorder } from './delivery-recorder.js';
import { CircuitBreaker } from './circuit-breaker.js';

export interface EndpointDeliveryDeps {
  /** Options (not a client): each queue and worker opens its own connections, so endpoints never share one. */
  connection: ConnectionOptions;
  prefix: string;
  recorder: DeliveryRecorder;
  logger: Logger;
  /** Consecutive failed attempts after which the circuit breaker opens (`alerts.failingafter`). */
  failingAfter: number;
  /** The pipeline's shared connection for small writes of our own. */
  redis: Redis;
}

/** A job taken for this attempt with its verdict. */
interface Settled extends AttemptItem {
  job: Job<DeliveryJob>;
}

/** Delay before retrying after an internal failure (ours, not the endpoint's). */
const INTERNAL_RETRY_MS = 1_000;

/**
 * One endpoint's delivery: its BullMQ queue and worker, HTTP sender, signer and retry policy.
 *
 * Retries are ours, not BullMQ's fixed attempts: after an attempt the job is moved to `delayed` for the
 * policy's delay (unordered), or, for `ordered: true`, put back at the head of the queue while the whole
 * queue is rate-limited for that delay, so that a failing event holds the line (strict FIFO, one in flight
 * across all workers through BullMQ's global concurrency). Both survive a restart: the state is in Redis.
 *
 * Batching (`batch.size` > 1): the job the worker hands us is the batch's head; up to size-1 more waiting
 * jobs join it in one envelope (see batch-collector.ts), each settled on its own afterwards. A batch
 * holds its jobs' locks for one attempt at most, which `lockDuration` covers.
 *
 * Circuit breaker (circuit-breaker.ts): once the endpoint has failed max(`failingafter`, 5) attempts in a row, only
 * one probe attempt per backoff interval (1 s doubling to 60 s) is made; every other job the worker takes is
 * put back at the head of the wait list untried (its attempt count restored, so holding never uses up its
 * retry budget) and the queue is rate-limited until the next probe, so a dead endpoint costs no attempts,
 * records or CPU per queued event. A delivered probe closes the breaker and the queue drains at full speed.
 * Retry budgets and dead-lettering apply to attempts actually made, so an endpoint that fails one payload
 * (a 500 for it) while delivering others never opens the breaker and that event follows its schedule.
 */
export class EndpointDelivery {
  readonly queue: Queue<DeliveryJob>;
  private readonly worker: Worker<DeliveryJob>;
  private readonly sender: HttpSender;
  private readonly signer: WebhookSigner;
  private readonly policy: RetryPolicy;
  private readonly breaker: CircuitBreaker;

  constructor(
    readonly endpoint: EndpointConfig,
    private readonly deps: EndpointDeliveryDeps,
  ) {
    const name = QueueNames.delivery(endpoint.name);
    const concurrency = endpoint.ordered ? 1 : endpoint.concurrency;
    const lockDuration = Math.max(5_000, 3 * endpoint.timeout + endpoint.batch.wait);
    this.queue = new Queue<DeliveryJob>(name, { connection: deps.connection, prefix: deps.prefix });
    this.worker = new Worker<DeliveryJob>(name, (job, token) => this.process(job, token!), {
      connection: deps.connection,
      prefix: deps.prefix,
      autorun: false,
      concurrency,
      lockDuration,
      stalledInterval: lockDuration,
      // A crashed worker's job is put back, however often: at-least-once, never "failed" for a crash.
      maxStalledCount: 1_000_000,
      // The manual rate limit (ordered retries, open breaker) needs a limiter; this one never limits by itself.
      limiter: { max: Number.MAX_SAFE_INTEGER - 1, duration: 60_000 },
    });
    this.worker.on('error', (error) => deps.logger.warn({ err: error, endpoint: endpoint.name }, 'delivery worker error'));
    this.sender = new HttpSender({ url: endpoint.url, headers: endpoint.headers, timeout: endpoint.timeout, connections: concurrency });
    this.signer = new WebhookSigner(endpoint.secret);
    this.policy = retryPolicyFor(endpoint);
    this.breaker = new CircuitBreaker(deps.failingAfter);
  }

  async start(): Promise<void> {
    if (this.endpoint.ordered) await this.queue.setGlobalConcurrency(1);
    else await this.queue.removeGlobalConcurrency();
    void this.worker.run().catch((error: unknown) => this.deps.logger.error({ err: error, endpoint: this.endpoint.name }, 'delivery worker stopped'));
  }

  /** Lets attempts in flight finish (they are bounded by `timeout`), then closes connections. */
  async close(): Promise<void> {
    await this.worker.close();
    await Promise.allSettled([this.queue.close(), this.sender.close()]);
  }

  private async process(job: Job<DeliveryJob>, token: string): Promise<string> {
    const admission = this.breaker.admit();
    if (admission.kind === 'hold') return this.hold(job, admission.forMs);
    let delivered = false;
    try {
      const outcome = await this.deliver(job, token);
      delivered = true;
      return outcome;
    } finally {
      this.breaker.settle(delivered, admission.probe);
    }
  }

  /**
   * Puts the job back at the head of the wait list without an attempt: BullMQ counted one when it took the
   * job, so that count is undone first (the job's lock is still ours). The queue waits `forMs`.
   */
  private async hold(job: Job<DeliveryJob>, forMs: number): Promise<never> {
    await this.deps.redis.hincrby(this.queue.toKey(job.id!), 'ats', -1);
    await this.worker.rateLimit(Math.max(1, forMs));
    throw Worker.RateLimitError();
  }

  private async deliver(job: Job<DeliveryJob>, token: string): Promise<string> {
    let jobs = [job];
    let settled: Settled[];
    try {
      jobs = [job, ...(await this.takeBatch())];
      const result = await this.attempt(jobs.map((item) => item.data.event));
      settled = this.settle(jobs, result);
      await this.deps.recorder.record(this.endpoint, settled, result);
      if (settled.some((item) => item.verdict.kind === 'giveup' && item.verdict.gone)) await this.disable(result);
    } catch (error) {
      return this.failInternally(jobs, token, error);
    }
    await this.settleExtras(settled.slice(1));
    return this.settlePrimary(settled[0], token);
  }

  private async attempt(events: DeliveryJob['event'][]): Promise<AttemptResult> {
    const { contentType, body } = encodeEvents(this.endpoint, events);
    const id = batchWebhookId(events.map((event) => event.id));
    const signature = this.signer.enabled ? this.signer.headers(id, body) : {};
    return this.sender.send(body, { 'content-type': contentType, ...signature });
  }

  /** Each job's verdict; in an ordered batch the head's schedule decides and the others wait in line. */
  private settle(jobs: Job<DeliveryJob>[], result: AttemptResult): Settled[] {
    const attempt = (job: Job<DeliveryJob>) => Math.max(1, job.attemptsStarted);
    const head = classifyAttempt(this.policy, result, attempt(jobs[0]));
    return jobs.map((job, index) => {
      let verdict = index === 0 || !this.endpoint.ordered ? classifyAttempt(this.policy, result, attempt(job)) : head;
      if (index > 0 && this.endpoint.ordered && verdict.kind === 'giveup') verdict = { kind: 'retry', delayMs: 0 };
      return { job, event: job.data.event, attempt: attempt(job), verdict };
    });
  }

  private async takeBatch(): Promise<Job<DeliveryJob>[]> {
    const { size, wait } = this.endpoint.batch;
    if (size <= 1) return [];
    return this.endpoint.ordered ? peekWaitingJobs(this.queue, size - 1, wait) : takeWaitingJobs(this.worker, size - 1, wait);
  }

  private async settlePrimary(item: Settled, token: string): Promise<string> {
    const { verdict, job } = item;
    if (verdict.kind === 'delivered') return 'delivered';
    if (verdict.kind === 'giveup') throw new UnrecoverableError(verdict.reason);
    return this.retryLater(job, token, verdict.delayMs);
  }

  /**
   * The batch's other jobs. Unordered: each was taken with its own token and is moved by hand. Ordered:
   * they were only read (see peekWaitingJobs): delivered ones are removed, the others stay first in line.
   */
  private async settleExtras(items: Settled[]): Promise<void> {
    if (this.endpoint.ordered) {
      for (const { job, verdict } of items) if (verdict.kind === 'delivered') await job.remove();
      return;
    }
    await Promise.all(items.map((item) => this.settleExtra(item)));
  }

  private async settleExtra({ job, verdict }: Settled): Promise<void> {
    const token = job.token!;
    if (verdict.kind === 'delivered') await job.moveToCompleted('delivered', token, false);
    else if (verdict.kind === 'giveup') await job.moveToFailed(new UnrecoverableError(verdict.reason), token, false);
    else await job.moveToDelayed(Date.now() + verdict.delayMs, token);
  }

  /** Moves the job out of `active` until its retry is due; throws what tells BullMQ it was moved. */
  private async retryLater(job: Job<DeliveryJob>, token: string, delayMs: number): Promise<never> {
    if (this.endpoint.ordered) {
      await this.queue.rateLimit(Math.max(1, delayMs));
      throw Worker.RateLimitError();
    }
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  /** 410 Gone: the endpoint is disabled and its queue paused (events keep waiting) until an operator enables it. */
  private async disable(result: AttemptResult): Promise<void> {
    await this.deps.recorder.disable(this.endpoint, 'endpoint answered 410 Gone', result);
    await this.queue.pause();
    this.deps.logger.warn({ endpoint: this.endpoint.name }, 'endpoint answered 410 Gone: disabled, its queue paused');
  }

  /** Our own failure (not the endpoint's): the events are retried shortly, never lost. */
  private async failInternally([job, ...extra]: Job<DeliveryJob>[], token: string, error: unknown): Promise<never> {
    this.deps.logger.error({ err: error, endpoint: this.endpoint.name, eventId: job.data.event?.id }, 'delivery failed internally');
    await this.deps.recorder.internalError(this.endpoint).catch(() => undefined);
    for (const other of extra) await other.moveToDelayed(Date.now() + INTERNAL_RETRY_MS, other.token!).catch(() => undefined);
    return this.retryLater(job, token, INTERNAL_RETRY_MS);
  }
}
