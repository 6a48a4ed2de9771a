import { Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EndpointConfig, NetworkConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { QueueNames, type DeliveryJob } from '@app/queue';
import { takeEnvelope } from './batcher.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { DeliveryRecorder } from './delivery-recorder.js';
import { JobInHand } from './job-in-hand.js';
import { jobsAtOnce, Lanes } from './ordering.js';
import { RetryingSender } from './retrying-sender.js';
import { retryPolicyFor, type AttemptResult } from './retry-policy.js';
import { WebhookSender } from './webhook-sender.js';

export interface EndpointDeliveryDeps {
  /** A client from `createRedis` (role worker); BullMQ duplicates it for its blocking connection. */
  connection: Redis;
  prefix: string;
  recorder: DeliveryRecorder;
  logger: Logger;
  /** `notifications.network`: what the sender may connect to. */
  network: NetworkConfig;
}

const LOCK_MS = 10_000;

/**
 * One endpoint's delivery, as distribution's endpoint is a chain of sinks: its queue (BullMQ), the lanes
 * of its ordering, envelopes of `batch.size` (batcher), the retrying sender (circuit breaker, retry policy,
 * recorder) and the webhook sender (one signed POST). See README.md in this folder.
 */
export class EndpointDelivery {
  readonly queue: Queue<DeliveryJob>;
  private readonly worker: Worker<DeliveryJob>;
  private readonly sender: WebhookSender;
  private readonly retrying: RetryingSender;
  private readonly lanes: Lanes;
  /** Jobs in hand, in the order they were taken. */
  private readonly inHand = new Set<JobInHand>();
  private readonly closing = new AbortController();
  /** Settles once close has put the jobs in hand back (their processors then let go of them). */
  private readonly released: Promise<void>;
  private markReleased = (): void => undefined;

  constructor(
    readonly endpoint: EndpointConfig,
    private readonly deps: EndpointDeliveryDeps,
  ) {
    const name = QueueNames.delivery(endpoint.name);
    const { connection, prefix, logger } = deps;
    this.queue = new Queue<DeliveryJob>(name, { connection, prefix });
    this.worker = new Worker<DeliveryJob>(name, (job, token) => this.process(job, token!), {
      connection,
      prefix,
      autorun: false,
      concurrency: jobsAtOnce(endpoint.ordering).count,
      // A crashed worker's jobs are taken again once their lock lapses (the locks of jobs in hand are renewed).
      lockDuration: LOCK_MS,
      stalledInterval: LOCK_MS,
      // A crashed worker's job is put back, however often: at least once, never "failed" for a crash.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      // BullMQ's manual rate limit (the open breaker's hold) needs a limiter; this one never limits by itself.
      limiter: { max: Number.MAX_SAFE_INTEGER, duration: 60_000 },
    });
    this.worker.on('error', (error) => logger.warn({ err: error, endpoint: endpoint.name }, 'delivery worker error'));
    this.sender = new WebhookSender(endpoint, { network: deps.network });
    const breaker = new CircuitBreaker(endpoint.breaker.threshold, (forMs) => void this.hold(forMs));
    const parts = { sender: this.sender, policy: retryPolicyFor(endpoint), breaker, recorder: deps.recorder, logger };
    this.retrying = new RetryingSender(endpoint, parts, (result) => this.disable(result));
    this.released = new Promise((resolve) => (this.markReleased = resolve));
    this.lanes = new Lanes(endpoint.ordering, {
      take: (lane) => takeEnvelope(lane, endpoint.batch),
      deliver: (envelope) => this.retrying.deliver(envelope, this.closing.signal),
    });
  }

  async start(): Promise<void> {
    const { count, global } = jobsAtOnce(this.endpoint.ordering);
    if (global) await this.queue.setGlobalConcurrency(count);
    else await this.queue.removeGlobalConcurrency();
    void this.worker.run().catch((error: unknown) => {
      this.deps.logger.error({ err: error, endpoint: this.endpoint.name }, 'delivery worker stopped');
    });
  }

  /**
   * Stops taking jobs, lets the attempts in flight finish (bounded by `timeout`), and puts the jobs still in
   * hand back at the head of the wait list, the last taken first, so that the next worker takes them in the
   * order this one did. Their attempts so far are in their data.
   */
  async close(): Promise<void> {
    this.closing.abort();
    await this.worker.pause(true);
    await this.lanes.idle();
    for (const hand of [...this.inHand].reverse()) {
      if (!hand.done) await hand.job.moveToWait(hand.token).catch(() => undefined);
    }
    this.markReleased();
    await this.worker.close();
    await Promise.allSettled([this.queue.close(), this.sender.close()]);
  }

  /** A job's events join their lanes; the job completes once every one is delivered or dead-lettered. */
  private async process(job: Job<DeliveryJob>, token: string): Promise<string> {
    const hand = new JobInHand(job, token);
    this.inHand.add(hand);
    try {
      for (const event of job.data.events) this.lanes.add({ event, job: hand });
      await Promise.race([hand.settled, this.released]);
      // Every event delivered or dead-lettered (the dead letters keep those).
      if (hand.done) return 'settled';
      throw new WaitingError();
    } finally {
      this.inHand.delete(hand);
    }
  }

  /** The open breaker: no job is taken until its next probe (jobs in hand wait in their lanes). */
  private async hold(forMs: number): Promise<void> {
    await this.worker.rateLimit(forMs).catch(() => undefined);
  }

  /** 410 Gone: the endpoint is disabled and its queue paused (events keep waiting) until an operator enables it. */
  private async disable(result: AttemptResult): Promise<void> {
    await this.deps.recorder.disable(this.endpoint, 'endpoint answered 410 Gone', result);
    await this.queue.pause();
    this.deps.logger.warn({ endpoint: this.endpoint.name }, 'endpoint answered 410 Gone: disabled, its queue paused');
  }
}
