import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EndpointConfig } from '@app/config';
import type { Logger } from '@app/logging';
import type { Event } from '@app/events';
import { jobEvents, QueueNames, type DeliveryJob } from '@app/queue';
import { encodeEvents } from './envelope-encoder.js';
import { HttpSender } from './http-sender.js';
import { classifyAttempt, retryPolicyFor, type AttemptResult, type RetryPolicy, type Verdict } from './retry-policy.js';
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

/** One event of the attempt and the job it belongs to; `attempt` is that job's attempt number. */
interface Entry {
  job: Job<DeliveryJob>;
  event: Event;
  attempt: number;
}

/** An entry with its verdict; `result` is absent when it was not sent (ordered, waiting behind a failure). */
type Tried = Entry & { verdict: Verdict; result?: AttemptResult };

const WAIT_IN_LINE: Verdict = { kind: 'retry', delayMs: 0 };

/**
 * What becomes of a job after an attempt: delivered when all its events were; else it keeps the events not
 * delivered (see keepUnfinished) and retries when any of them retries (after the longest of their delays),
 * or fails when all of them gave up (they are dead-lettered by the recorder).
 */
type JobOutcome = { job: Job<DeliveryJob>; unfinished: Event[] } & (
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'giveup'; reason: string }
);

function outcomeOf(job: Job<DeliveryJob>, mine: readonly Tried[]): JobOutcome {
  const retrying = mine.filter((item) => item.verdict.kind === 'retry');
  const gaveUp = mine.filter((item) => item.verdict.kind === 'giveup');
  if (retrying.length > 0) {
    const delayMs = Math.max(...retrying.map((item) => (item.verdict.kind === 'retry' ? item.verdict.delayMs : 0)));
    return { job, kind: 'retry', delayMs, unfinished: retrying.map((item) => item.event) };
  }
  const [first] = gaveUp;
  if (first?.verdict.kind === 'giveup') return { job, kind: 'giveup', reason: first.verdict.reason, unfinished: gaveUp.map((item) => item.event) };
  return { job, kind: 'delivered', unfinished: [] };
}

/** A job that goes on (retry) or stays failed keeps only its events not yet delivered (nor dead-lettered, when it retries). */
async function keepUnfinished({ job, kind, unfinished }: JobOutcome): Promise<void> {
  if (kind === 'delivered' || unfinished.length === jobEvents(job.data).length) return;
  await job.updateData({ events: unfinished });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
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
 * A job holds one or more events (the registry's group commit); each event is judged on its own and the job
 * keeps only those not delivered (see outcomeOf). Envelopes hold `batch.size` events (one by default).
 *
 * Batching (`batch.size` > 1): the job the worker hands us is the batch's head; more waiting jobs join it
 * until their events reach the size (see batch-collector.ts), each settled on its own afterwards. A batch
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
      return await this.deliver(job, token, (anyDelivered) => (delivered = anyDelivered));
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

  /** One attempt of the job's events (and, batching, of more jobs' events); `answered` learns whether any was delivered. */
  private async deliver(job: Job<DeliveryJob>, token: string, answered: (anyDelivered: boolean) => void): Promise<string> {
    let jobs = [job];
    let outcomes: JobOutcome[];
    try {
      jobs = [job, ...(await this.takeBatch(jobEvents(job.data).length))];
      const tried = await this.attempt(jobs);
      answered(tried.some((item) => item.verdict.kind === 'delivered'));
      const sent = tried.filter((item): item is Tried & AttemptItem => item.result !== undefined);
      await this.deps.recorder.record(this.endpoint, sent);
      const gone = sent.find((item) => item.verdict.kind === 'giveup' && item.verdict.gone);
      if (gone) await this.disable(gone.result);
      const byJob = new Map(jobs.map((each) => [each, [] as Tried[]]));
      for (const item of tried) byJob.get(item.job)!.push(item);
      outcomes = jobs.map((each) => outcomeOf(each, byJob.get(each)!));
      await Promise.all(outcomes.map(keepUnfinished));
    } catch (error) {
      return this.failInternally(jobs, token, error);
    }
    await this.settleExtras(outcomes.slice(1));
    return this.settlePrimary(outcomes[0], token);
  }

  /**
   * Sends the jobs' events in envelopes of up to `batch.size`, each event with its verdict. Unordered: every
   * envelope at once, so every event has a real attempt. Ordered: one envelope at a time; after one that was
   * not delivered the rest wait in line unsent, and only the head job's events follow the retry schedule
   * (an event behind it never gives up on its own: it waits for the line to move).
   */
  private async attempt(jobs: Job<DeliveryJob>[]): Promise<Tried[]> {
    const entries = jobs.flatMap((job) => jobEvents(job.data).map((event) => ({ job, event, attempt: Math.max(1, job.attemptsStarted) })));
    const envelopes = chunk(entries, this.endpoint.batch.size);
    const judged = (envelope: Entry[], result: AttemptResult): Tried[] =>
      envelope.map(({ job, event, attempt }) => ({ job, event, attempt, result, verdict: classifyAttempt(this.policy, result, attempt) }));
    if (!this.endpoint.ordered) {
      const results = await Promise.all(envelopes.map((envelope) => this.send(envelope)));
      return envelopes.flatMap((envelope, index) => judged(envelope, results[index]!));
    }
    const tried: Tried[] = [];
    let blocked = false;
    for (const envelope of envelopes) {
      if (blocked) {
        tried.push(...envelope.map((entry) => ({ ...entry, verdict: WAIT_IN_LINE })));
        continue;
      }
      for (const item of judged(envelope, await this.send(envelope))) {
        blocked ||= item.verdict.kind !== 'delivered';
        tried.push(item.job !== jobs[0] && item.verdict.kind === 'giveup' && !item.verdict.gone ? { ...item, verdict: WAIT_IN_LINE } : item);
      }
    }
    return tried;
  }

  private async send(envelope: Entry[]): Promise<AttemptResult> {
    const events = envelope.map((entry) => entry.event);
    const { contentType, body } = encodeEvents(this.endpoint, events);
    const id = batchWebhookId(events.map((event) => event.id));
    const signature = this.signer.enabled ? this.signer.headers(id, body) : {};
    return this.sender.send(body, { 'content-type': contentType, ...signature });
  }

  /** More jobs to fill the envelope up to `batch.size` events, when the head job holds fewer. */
  private async takeBatch(headEvents: number): Promise<Job<DeliveryJob>[]> {
    const { size, wait } = this.endpoint.batch;
    if (size <= headEvents) return [];
    return this.endpoint.ordered ? peekWaitingJobs(this.queue, size - headEvents, wait) : takeWaitingJobs(this.worker, size - headEvents, wait, headEvents);
  }

  private async settlePrimary(outcome: JobOutcome, token: string): Promise<string> {
    if (outcome.kind === 'delivered') return 'delivered';
    if (outcome.kind === 'giveup') throw new UnrecoverableError(outcome.reason);
    return this.retryLater(outcome.job, token, outcome.delayMs);
  }

  /**
   * The batch's other jobs. Unordered: each was taken with its own token and is moved by hand. Ordered:
   * they were only read (see peekWaitingJobs): delivered ones are removed, the others stay first in line.
   */
  private async settleExtras(outcomes: JobOutcome[]): Promise<void> {
    if (this.endpoint.ordered) {
      for (const outcome of outcomes) if (outcome.kind === 'delivered') await outcome.job.remove();
      return;
    }
    await Promise.all(outcomes.map((outcome) => this.settleExtra(outcome)));
  }

  private async settleExtra(outcome: JobOutcome): Promise<void> {
    const { job } = outcome;
    const token = job.token!;
    if (outcome.kind === 'delivered') await job.moveToCompleted('delivered', token, false);
    else if (outcome.kind === 'giveup') await job.moveToFailed(new UnrecoverableError(outcome.reason), token, false);
    else await job.moveToDelayed(Date.now() + outcome.delayMs, token);
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
    this.deps.logger.error({ err: error, endpoint: this.endpoint.name, eventIds: jobEvents(job.data).map((event) => event.id) }, 'delivery failed internally');
    await this.deps.recorder.internalError(this.endpoint).catch(() => undefined);
    for (const other of extra) await other.moveToDelayed(Date.now() + INTERNAL_RETRY_MS, other.token!).catch(() => undefined);
    return this.retryLater(job, token, INTERNAL_RETRY_MS);
  }
}
