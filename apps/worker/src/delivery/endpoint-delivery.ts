import { setMaxListeners } from 'node:events';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EndpointConfig, NetworkConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { QueueNames, type DeliveryJob } from '@app/queue';
import { takeEnvelope } from './batcher.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { DeliveryRecorder } from './delivery-recorder.js';
import { JobFeed, type TakenJob } from './job-feed.js';
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
  private readonly feed: JobFeed<DeliveryJob>;
  private readonly sender: WebhookSender;
  private readonly retrying: RetryingSender;
  private readonly lanes: Lanes;
  private readonly closing = new AbortController();

  constructor(
    readonly endpoint: EndpointConfig,
    private readonly deps: EndpointDeliveryDeps,
  ) {
    const name = QueueNames.delivery(endpoint.name);
    const { connection, prefix, logger } = deps;
    this.queue = new Queue<DeliveryJob>(name, { connection, prefix });
    // No processor: the feed takes the jobs (manual processing).
    this.worker = new Worker<DeliveryJob>(name, null, {
      connection,
      prefix,
      autorun: false,
      // A crashed worker's jobs are taken again once their lock lapses (the locks of jobs in hand are renewed).
      lockDuration: LOCK_MS,
      stalledInterval: LOCK_MS,
      // A crashed worker's job is put back, however often: at least once, never "failed" for a crash.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      // Seconds a take waits for a job before it looks again (bounds how long close waits for it).
      drainDelay: 1,
    });
    this.worker.on('error', (error) => logger.warn({ err: error, endpoint: endpoint.name }, 'delivery worker error'));
    // Every lane waiting for a retry or for the breaker listens for the close: as many as there are lanes.
    setMaxListeners(0, this.closing.signal);
    const limit = jobsAtOnce(endpoint.ordering).count;
    this.feed = new JobFeed(this.worker, { limit, lockMs: LOCK_MS, logger }, (taken) => void this.process(taken));
    this.sender = new WebhookSender(endpoint, { network: deps.network });
    const breaker = new CircuitBreaker(endpoint.breaker.threshold);
    const parts = { sender: this.sender, policy: retryPolicyFor(endpoint), breaker, recorder: deps.recorder, logger };
    this.retrying = new RetryingSender(endpoint, parts, (result) => this.disable(result));
    this.lanes = new Lanes(endpoint.ordering, {
      take: (lane) => takeEnvelope(lane, endpoint.batch),
      deliver: (envelope) => this.retrying.deliver(envelope, this.closing.signal),
    });
  }

  async start(): Promise<void> {
    const { count, global } = jobsAtOnce(this.endpoint.ordering);
    if (global) await this.queue.setGlobalConcurrency(count);
    else await this.queue.removeGlobalConcurrency();
    this.feed.start();
  }

  /**
   * Stops taking jobs, lets the attempts in flight finish (bounded by `timeout`), and puts the jobs still in
   * hand back at the head of the wait list, the last taken first, so that the next worker takes them in the
   * order this one did. Their attempts so far are in their data.
   */
  async close(): Promise<void> {
    this.closing.abort();
    await this.feed.stop();
    await this.lanes.idle();
    for (const { job, token } of this.feed.inHand().reverse()) await job.moveToWait(token).catch(() => undefined);
    await this.worker.close();
    await Promise.allSettled([this.queue.close(), this.sender.close()]);
  }

  /** A job's events join their lanes; the job completes once every one is delivered or dead-lettered. */
  private async process({ job, token }: TakenJob<DeliveryJob>): Promise<void> {
    const hand = new JobInHand(job);
    for (const event of job.data.events) this.lanes.add({ event, job: hand });
    await hand.settled;
    // Every event delivered or dead-lettered (the dead letters keep those). A job that cannot be completed
    // (Redis unreachable) is taken again once its lock lapses, and delivered again: at least once.
    this.feed.release(job);
    await job.moveToCompleted('settled', token, false).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, endpoint: this.endpoint.name, jobId: job.id }, 'completing a job failed');
    });
  }

  /** 410 Gone: the endpoint is disabled and its queue paused (events keep waiting) until an operator enables it. */
  private async disable(result: AttemptResult): Promise<void> {
    await this.deps.recorder.disable(this.endpoint, 'endpoint answered 410 Gone', result);
    await this.queue.pause();
    this.deps.logger.warn({ endpoint: this.endpoint.name }, 'endpoint answered 410 Gone: disabled, its queue paused');
  }
}
