import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisServer, waitFor } from '@app/testing';
import type { Event } from '@app/events';
import { attemptRecords, DeliveryKeys, RedisKeys, type AttemptRecord, type EnvelopeAttempt } from '@app/records';
import { QueueNames, type DeliveryJob, type EventLogJob } from '@app/queue';
import {
  mergeConfig,
  startRegistry,
  startWorker,
  type AppProcess,
  type PlainConfig,
  type RegistryProcess,
} from '../support/index.js';
import { ImageSet } from './images.js';
import { WebhookSink, type SinkMode } from './webhook-sink.js';

/** A quick retry schedule that still keeps retrying for about a minute (a schedule's length is its retry count). */
export const QUICK_SCHEDULE = ['100ms', '200ms', '500ms', ...Array<string>(60).fill('1s')];

export const PREFIX = 'sys';

export interface SystemOptions {
  /** Endpoint entries of `notifications.endpoints` (name and url at least). */
  endpoints: PlainConfig[];
  /** Merged over the shared config (both apps read the same content). */
  config?: PlainConfig;
}

/**
 * The whole product as processes: a Redis of its own (AOF, appendfsync always), a registry and a worker
 * reading the same configuration. Workers started later (after a kill) are tracked too; `dispose` ends
 * every process and removes every temporary folder.
 */
export class SystemUnderTest {
  readonly workers: AppProcess[] = [];
  /** Registries started after the first (scale-out), on the same configuration and their own ports. */
  readonly registries: RegistryProcess[] = [];
  private inspector?: Redis;
  private readonly queues = new Map<string, Queue<DeliveryJob>>();

  private constructor(
    readonly redis: RedisServer,
    readonly registry: RegistryProcess,
  ) {}

  /** Starts Redis, the registry and one worker; on failure whatever started is stopped again. */
  static async start(options: SystemOptions): Promise<SystemUnderTest> {
    const redis = await RedisServer.start();
    let registry: RegistryProcess | undefined;
    try {
      const shared: PlainConfig = {
        log: { level: 'info', formatter: 'json', accesslog: { disabled: false } },
        redis: { addr: redis.addr, prefix: PREFIX },
        notifications: { endpoints: options.endpoints },
      };
      registry = await startRegistry({ config: mergeConfig(shared, options.config) });
      const system = new SystemUnderTest(redis, registry);
      await system.startWorker();
      return system;
    } catch (error) {
      await registry?.dispose().catch(() => undefined);
      await redis.stop().catch(() => undefined);
      throw error;
    }
  }

  /** The configuration both apps read (the registry's, with its port and storage root). */
  get config(): PlainConfig {
    return this.registry.config;
  }

  get worker(): AppProcess {
    return this.workers[this.workers.length - 1];
  }

  /** Starts one more worker process on the same configuration; by default waits for its "worker started" line. */
  async startWorker(ready?: (worker: AppProcess) => Promise<unknown>): Promise<AppProcess> {
    const worker = await startWorker({ config: this.config, ready });
    this.workers.push(worker);
    return worker;
  }

  /** Starts one more registry on the same configuration (storage, Redis, secret) and a port of its own. */
  async startRegistry(): Promise<RegistryProcess> {
    const { http, ...rest } = this.config as PlainConfig & { http: PlainConfig };
    const { addr: _addr, ...httpRest } = http;
    void _addr;
    const registry = await startRegistry({ config: { ...rest, http: httpRest } });
    this.registries.push(registry);
    return registry;
  }

  /** A client for looking into Redis (only while it is up). */
  get client(): Redis {
    if (!this.inspector) {
      this.inspector = new Redis({ port: this.redis.port, maxRetriesPerRequest: null, retryStrategy: () => 100 });
      this.inspector.on('error', () => undefined);
    }
    return this.inspector;
  }

  /** Every entry of the event log (what the registry accepted and put into Redis), oldest first. */
  /** Every event the registry accepted: in the event log, or still in the event-log queue (no worker ran yet). */
  async eventLog(): Promise<Event[]> {
    const entries = await this.client.xrange(RedisKeys.eventLog(PREFIX), '-', '+');
    const logged = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]) as Event);
    const queue = new Queue<EventLogJob>(QueueNames.eventLog, { connection: this.client, prefix: PREFIX });
    try {
      const jobs = await queue.getJobs(['wait', 'active', 'delayed', 'prioritized'], 0, -1, true);
      const queued = jobs.filter((job) => job?.data).flatMap((job) => job.data.events);
      // Once each, first place kept (a worker killed mid-append appends that job again).
      const seen = new Set<string>();
      return [...logged, ...queued].filter((event) => !seen.has(event.id) && Boolean(seen.add(event.id)));
    } finally {
      await queue.close();
    }
  }

  /** Waits until the event log holds at least `count` distinct events; returns their ids. */
  async acceptedIds(count: number, timeout = 30_000): Promise<Set<string>> {
    return waitFor(
      async () => {
        const ids = new Set((await this.eventLog()).map((event) => event.id));
        return ids.size >= count && ids;
      },
      { timeout, interval: 100, what: `${count} events in the event log` },
    );
  }

  queue(endpoint: string): Queue<DeliveryJob> {
    let queue = this.queues.get(endpoint);
    if (!queue) {
      queue = new Queue<DeliveryJob>(QueueNames.delivery(endpoint), { connection: this.client, prefix: PREFIX });
      this.queues.set(endpoint, queue);
    }
    return queue;
  }

  /** Ids of every job of an endpoint's queue, whatever its state. */
  async jobIds(endpoint: string): Promise<string[]> {
    const jobs = await this.queue(endpoint).getJobs(
      ['completed', 'failed', 'active', 'wait', 'delayed', 'prioritized', 'waiting-children'],
      0,
      -1,
    );
    return jobs.map((job) => job.id!);
  }

  /** Every recorded delivery attempt of an endpoint, oldest first. */
  async attempts(endpoint: string): Promise<AttemptRecord[]> {
    const entries = await this.client.xrange(DeliveryKeys.attempts(PREFIX, endpoint), '-', '+');
    return entries.flatMap(([, fields]) => attemptRecords(JSON.parse(fields[1]!) as EnvelopeAttempt));
  }

  async deadLetterCount(endpoint: string): Promise<number> {
    return this.client.zcard(DeliveryKeys.deadLetters(PREFIX, endpoint));
  }

  /** Durations (ms) of the registry's "response completed" access-log lines, with their method and URI. */
  requestDurations(): { method: string; uri: string; status: number; ms: number }[] {
    return this.registry.output
      .split('\n')
      .filter((line) => line.includes('"response completed"'))
      .map((line) => JSON.parse(line) as Record<string, string | number>)
      .map((line) => ({
        method: String(line['http.request.method']),
        uri: String(line['http.request.uri']),
        status: Number(line['http.response.status']),
        ms: Number.parseFloat(String(line['http.response.duration'])),
      }));
  }

  /** Ends every process (workers first, while Redis is up), closes clients, removes temp folders. */
  async dispose(): Promise<void> {
    const steps: (() => Promise<unknown>)[] = [
      ...this.workers.map((worker) => () => worker.dispose()),
      ...this.registries.map((registry) => () => registry.dispose()),
      () => this.registry.dispose(),
      () => Promise.allSettled([...this.queues.values()].map((queue) => queue.close())),
      async () => this.inspector?.disconnect(),
      () => this.redis.stop(),
    ];
    for (const step of steps) await step().catch(() => undefined);
  }
}

/** What most system tests start: images to push, one sink, and the system with one endpoint `hook` on it. */
export interface HookSystem {
  images: ImageSet;
  sink: WebhookSink;
  system: SystemUnderTest;
}

/**
 * Builds `images` images, starts a sink in `sink` mode and the system with one endpoint `hook` delivering to
 * it (1 s timeout, QUICK_SCHEDULE, plus `endpoint`); each is added to `cleanups` as soon as it started.
 */
export async function startHookSystem(
  cleanups: (() => Promise<unknown> | void)[],
  options: { images: number; sink: SinkMode; endpoint?: Record<string, unknown> },
): Promise<HookSystem> {
  const images = await ImageSet.build(options.images);
  cleanups.push(() => images.remove());
  const sink = await WebhookSink.start(options.sink);
  cleanups.push(() => sink.stop());
  const system = await SystemUnderTest.start({
    endpoints: [{ name: 'hook', url: sink.url, timeout: '1s', schedule: QUICK_SCHEDULE, ...options.endpoint }],
  });
  cleanups.push(() => system.dispose());
  return { images, sink, system };
}
