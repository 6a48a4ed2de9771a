import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EndpointConfig } from '@app/config';
import type { Logger } from '@app/logging';
import type { Event } from '@app/events';
import { jobEvents, QueueNames, type DeliveryJob } from '@app/queue';
import { encodeEvents } from './envelope-encoder.js';
import { HttpSender } from './http-sender.js';
import { classifyAttempt, retryPolicyFor, type AttemptResult, type RetryPolicy, type Verdict } from './retry-policy.js';
import { chunk, JobBatcher, peekWaitingJobs } from './batch-collector.js';
import { batchWebhookId, WebhookSigner } from './webhook-signer.js';
import type { AttemptItem, DeliveryRecorder } from './delivery-recorder.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ActiveJobs } from './active-jobs.js';
import { EndpointParking, type ParkedRetry } from './endpoint-parking.js';

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
  await job.updateData({ ...job.data, events: unfinished });
}

/** An event's attempt number in its job: the job's own attempts, after those its events had before it. */
const attemptOf = (job: Job<DeliveryJob>): number => (job.data.attempts ?? 0) + Math.max(1, job.attemptsStarted);

/** The attempt number of a parked event's straight delivery (deliverParked): its first. */
const STRAIGHT_ATTEMPT = 1;

/** Delay before retrying after an internal failure (ours, not the endpoint's). */
const INTERNAL_RETRY_MS = 1_000;

/** A job the circuit breaker let through; `probe` when it is the open breaker's one trial. */
interface Admitted {
  job: Job<DeliveryJob>;
  probe: boolean;
}

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
 * Unordered, the worker keeps several jobs active (see ActiveJobs) and the JobBatcher (batch-collector.ts)
 * gathers them into attempts of `batch.size` events (or what came within `batch.wait`); the sender lets
 * `concurrency` requests out at once. Each job is then finished by BullMQ's own loop, which
 * takes the next job in the same Redis call. Ordered, the head job's batch is filled with the jobs waiting
 * behind it, read in place (peekWaitingJobs).
 *
 * Parked events (an unordered endpoint's, see endpoint-parking.ts) are delivered straight from the parking list
 * once the breaker closes, without becoming jobs (deliverParked); those that fail then become jobs carrying
 * their attempt (DeliveryJob.attempts) and follow the schedule from there.
 *
 * Circuit breaker (circuit-breaker.ts): once the endpoint has failed max(`failingafter`, 5) attempts in a row, only
 * one probe attempt per backoff interval (1 s doubling to 60 s) is made; every other job the worker takes is
 * put back at the head of the wait list untried (its attempt count restored, so holding never uses up its
 * retry budget) and the queue is rate-limited until the next probe, so a dead endpoint costs no attempts,
 * records or CPU per queued event. Jobs taken while the probe is in flight wait for its outcome. A delivered
 * probe closes the breaker: those jobs go at once, parked events rejoin the queue, and it drains at full speed.
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
  private readonly batcher: JobBatcher<Admitted, JobOutcome>;
  /** How many jobs the worker keeps active (unordered), following the events per job. */
  private readonly activeJobs: ActiveJobs;
  /** Unordered endpoints park (parked jobs rejoin the queue behind newer ones); an ordered one only moves in what
   *  was parked while it was configured unordered. */
  private readonly parking: EndpointParking;

  constructor(
    readonly endpoint: EndpointConfig,
    private readonly deps: EndpointDeliveryDeps,
  ) {
    const name = QueueNames.delivery(endpoint.name);
    const concurrency = endpoint.ordered ? 1 : endpoint.concurrency;
    const lockDuration = Math.max(5_000, 3 * endpoint.timeout + endpoint.batch.wait);
    this.queue = new Queue<DeliveryJob>(name, { connection: deps.connection, prefix: deps.prefix });
    this.activeJobs = new ActiveJobs(endpoint);
    this.worker = new Worker<DeliveryJob>(name, (job, token) => this.process(job, token!), {
      connection: deps.connection,
      prefix: deps.prefix,
      autorun: false,
      concurrency: endpoint.ordered ? 1 : this.activeJobs.count,
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
    const parks = endpoint.ordered ? () => false : () => this.breaker.open;
    this.parking = new EndpointParking(this.queue, deps.redis, {
      prefix: deps.prefix,
      endpoint: endpoint.name,
      parks,
      logger: deps.logger,
      moving: (eventsPerJob) => this.resize(this.activeJobs.expect(eventsPerJob)),
      // Ordered, parked events are moved into the queue: they wait in line behind its jobs.
      deliver: endpoint.ordered ? undefined : (events) => this.deliverParked(events),
      roundMs: 3 * endpoint.timeout,
    });
    this.batcher = new JobBatcher<Admitted, JobOutcome>(
      endpoint.batch.size,
      endpoint.batch.wait,
      ({ job }) => jobEvents(job.data).length,
      (items) => this.attemptJobs(items.map((item) => item.job), items.some((item) => item.probe)),
    );
  }

  async start(): Promise<void> {
    if (this.endpoint.ordered) await this.queue.setGlobalConcurrency(1);
    else await this.queue.removeGlobalConcurrency();
    void this.worker.run().catch((error: unknown) => this.deps.logger.error({ err: error, endpoint: this.endpoint.name }, 'delivery worker stopped'));
    this.parking.start();
  }

  /** Lets attempts in flight finish (they are bounded by `timeout`), then closes connections. */
  async close(): Promise<void> {
    await this.parking.close();
    await this.worker.close();
    await Promise.allSettled([this.queue.close(), this.sender.close()]);
  }

  private async process(job: Job<DeliveryJob>, token: string): Promise<string> {
    let admission = this.breaker.admit();
    while (admission.kind === 'await') {
      await admission.probed;
      admission = this.breaker.admit();
    }
    if (admission.kind === 'hold') return this.hold(job, admission.forMs);
    if (this.endpoint.ordered) return this.deliverInOrder(job, token, admission.probe);
    this.resize(this.activeJobs.observe(jobEvents(job.data).length));
    return this.settle(await this.batcher.submit({ job, probe: admission.probe }), token);
  }

  /** Unordered: BullMQ takes up to this many jobs at once from now on (an ordered endpoint keeps one). */
  private resize(count: number): void {
    if (!this.endpoint.ordered) this.worker.concurrency = count;
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

  /**
   * Ordered: the head job and, batching, the jobs waiting behind it (read in place; see peekWaitingJobs).
   * Those delivered are removed; the others stay in line behind the head job, which alone is settled.
   */
  private async deliverInOrder(job: Job<DeliveryJob>, token: string, probe: boolean): Promise<string> {
    const { size, wait } = this.endpoint.batch;
    const headEvents = jobEvents(job.data).length;
    // If they cannot be read, the head job goes alone (its attempt meets the same Redis and says so).
    const behind = size > headEvents ? await peekWaitingJobs(this.queue, size - headEvents, wait).catch(() => []) : [];
    const [head, ...others] = await this.attemptJobs([job, ...behind], probe);
    for (const outcome of others) if (outcome.kind === 'delivered') await outcome.job.remove();
    return this.settle(head!, token);
  }

  /**
   * One attempt of the jobs' events, recorded, with each job's outcome (its data keeping only its events
   * not delivered). The breaker learns whether any event was delivered. Our own failure (not the
   * endpoint's) retries every job shortly: its events are never lost.
   */
  private async attemptJobs(jobs: Job<DeliveryJob>[], probe: boolean): Promise<JobOutcome[]> {
    let delivered = false;
    try {
      const tried = await this.attempt(jobs);
      delivered = tried.some((item) => item.verdict.kind === 'delivered');
      await this.record(tried.filter((item): item is Tried & AttemptItem => item.result !== undefined));
      const byJob = new Map(jobs.map((each) => [each, [] as Tried[]]));
      for (const item of tried) byJob.get(item.job)!.push(item);
      const outcomes = jobs.map((each) => outcomeOf(each, byJob.get(each)!));
      await Promise.all(outcomes.map(keepUnfinished));
      return outcomes;
    } catch (error) {
      this.deps.logger.error({ err: error, endpoint: this.endpoint.name, eventIds: jobs.flatMap((job) => jobEvents(job.data).map((event) => event.id)) }, 'delivery failed internally');
      await this.deps.recorder.internalError(this.endpoint).catch(() => undefined);
      return jobs.map((job) => ({ job, kind: 'retry', delayMs: INTERNAL_RETRY_MS, unfinished: jobEvents(job.data) }));
    } finally {
      this.settleBreaker(delivered, probe);
    }
  }

  /**
   * Parked events (unordered), delivered straight from the parking list with no job of their own: one
   * attempt each, in envelopes of `batch.size`, all at once, recorded as any attempt. Returns those to try
   * again, which EndpointParking adds as jobs that carry the attempt made (those given up on are
   * dead-lettered by the recorder). A failure of ours throws: the events stay parked.
   */
  private async deliverParked(events: Event[]): Promise<ParkedRetry[]> {
    let delivered = false;
    try {
      const envelopes = chunk(events, this.endpoint.batch.size);
      const results = await Promise.all(envelopes.map((envelope) => this.send(envelope)));
      const verdicts = results.map((result) => classifyAttempt(this.policy, result, STRAIGHT_ATTEMPT));
      const tried = envelopes.flatMap((envelope, index) => envelope.map((event) => ({ event, attempt: STRAIGHT_ATTEMPT, result: results[index]!, verdict: verdicts[index]! })));
      delivered = verdicts.some((verdict) => verdict.kind === 'delivered');
      await this.record(tried);
      return envelopes.flatMap((envelope, index) => {
        const verdict = verdicts[index]!;
        return verdict.kind === 'retry' ? [{ events: envelope, attempts: STRAIGHT_ATTEMPT, delayMs: verdict.delayMs }] : [];
      });
    } finally {
      this.settleBreaker(delivered, false);
    }
  }

  /** Records an attempt's events; a 410 among them disables the endpoint. */
  private async record(sent: AttemptItem[]): Promise<void> {
    await this.deps.recorder.record(this.endpoint, sent);
    const gone = sent.find((item) => item.verdict.kind === 'giveup' && item.verdict.gone);
    if (gone) await this.disable(gone.result);
  }

  private settleBreaker(delivered: boolean, probe: boolean): void {
    const wasOpen = this.breaker.open;
    this.breaker.settle(delivered, probe);
    // Parking follows the breaker at once, not at its next check: it starts, or its events come back.
    if (this.breaker.open !== wasOpen) this.parking.check();
  }

  /**
   * Sends the jobs' events in envelopes of up to `batch.size`, each event with its verdict. Unordered: every
   * envelope at once, so every event has a real attempt. Ordered: one envelope at a time; after one that was
   * not delivered the rest wait in line unsent, and only the head job's events follow the retry schedule
   * (an event behind it never gives up on its own: it waits for the line to move).
   */
  private async attempt(jobs: Job<DeliveryJob>[]): Promise<Tried[]> {
    const entries = jobs.flatMap((job) => jobEvents(job.data).map((event) => ({ job, event, attempt: attemptOf(job) })));
    const envelopes = chunk(entries, this.endpoint.batch.size);
    const judged = (envelope: Entry[], result: AttemptResult): Tried[] =>
      envelope.map(({ job, event, attempt }) => ({ job, event, attempt, result, verdict: classifyAttempt(this.policy, result, attempt) }));
    if (!this.endpoint.ordered) {
      const results = await Promise.all(envelopes.map((envelope) => this.send(envelope.map((entry) => entry.event))));
      return envelopes.flatMap((envelope, index) => judged(envelope, results[index]!));
    }
    const tried: Tried[] = [];
    let blocked = false;
    for (const envelope of envelopes) {
      if (blocked) {
        tried.push(...envelope.map((entry) => ({ ...entry, verdict: WAIT_IN_LINE })));
        continue;
      }
      for (const item of judged(envelope, await this.send(envelope.map((entry) => entry.event)))) {
        blocked ||= item.verdict.kind !== 'delivered';
        tried.push(item.job !== jobs[0] && item.verdict.kind === 'giveup' && !item.verdict.gone ? { ...item, verdict: WAIT_IN_LINE } : item);
      }
    }
    return tried;
  }

  private async send(events: Event[]): Promise<AttemptResult> {
    const { contentType, body } = encodeEvents(this.endpoint, events);
    const id = batchWebhookId(events.map((event) => event.id));
    const signature = this.signer.enabled ? this.signer.headers(id, body) : {};
    return this.sender.send(body, { 'content-type': contentType, ...signature });
  }

  /** Tells BullMQ what became of the job: completed, failed for good, or moved out of `active` until its retry. */
  private async settle(outcome: JobOutcome, token: string): Promise<string> {
    if (outcome.kind === 'delivered') return 'delivered';
    if (outcome.kind === 'giveup') throw new UnrecoverableError(outcome.reason);
    return this.retryLater(outcome.job, token, outcome.delayMs);
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
}
