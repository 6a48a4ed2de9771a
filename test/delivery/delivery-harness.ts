import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { fromObject, type RegistryConfig } from '@app/config';
import type { Event, EventAction } from '@app/events';
import { DeliveryAlerts, type EndpointAlert } from '@app/mail';
import { addDeliveryJob, QueueNames, type DeliveryJob } from '@app/queue';
import { deleteKeys } from '@app/testing';
import { DeliveryPipeline } from '../../apps/worker/src/delivery/delivery-pipeline.js';

export type PlainEndpoint = Record<string, unknown> & { name: string; url: string };

/** A fake DeliveryAlerts that keeps what it was told. */
export class CollectingAlerts extends DeliveryAlerts {
  readonly calls: { kind: string; alert: EndpointAlert }[] = [];
  endpointFailing(alert: EndpointAlert): void {
    this.calls.push({ kind: 'failing', alert });
  }
  endpointRecovered(alert: EndpointAlert): void {
    this.calls.push({ kind: 'recovered', alert });
  }
  eventDeadLettered(alert: EndpointAlert): void {
    this.calls.push({ kind: 'deadLettered', alert });
  }
  endpointDisabled(alert: EndpointAlert): void {
    this.calls.push({ kind: 'disabled', alert });
  }
  kinds(): string[] {
    return this.calls.map((call) => call.kind);
  }
}

let sequence = 0;

/** An event as the registry's listener makes it. */
export function makeEvent(
  fields: { action?: EventAction; repository?: string; tag?: string; actor?: string } = {},
): Event {
  sequence += 1;
  const digest = `sha256:${sequence.toString(16).padStart(64, '0')}`;
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString().replace('Z', '000000Z'),
    action: fields.action ?? 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 100 + sequence,
      digest,
      length: 100 + sequence,
      repository: fields.repository ?? 'library/app',
      url: `http://127.0.0.1:5000/v2/${fields.repository ?? 'library/app'}/manifests/${digest}`,
      tag: fields.tag,
    },
    request: { id: randomUUID(), addr: '127.0.0.1:40000', host: '127.0.0.1:5000', method: 'PUT', useragent: 'test' },
    actor: fields.actor ? { name: fields.actor } : {},
    source: { addr: 'registry.test:5000', instanceID: 'instance-1' },
  };
}

export function testConfig(
  endpoints: PlainEndpoint[],
  extra: Record<string, unknown> = {},
  redisAddr = '127.0.0.1:6379',
): RegistryConfig {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  return fromObject({
    version: '0.1',
    storage: { filesystem: { rootdirectory: '/tmp/registry-delivery-test' } },
    redis: { addr: redisAddr, prefix },
    notifications: { endpoints, ...extra },
  });
}

/** The real delivery pipeline in-process, against a real Redis, with a unique key prefix. */
export class DeliveryHarness {
  readonly alerts = new CollectingAlerts();
  readonly redis: Redis;
  pipeline: DeliveryPipeline;
  private readonly queues = new Map<string, Queue<DeliveryJob>>();

  constructor(readonly config: RegistryConfig) {
    this.redis = new Redis({
      host: '127.0.0.1',
      port: Number(config.redis.addr!.split(':')[1]),
      maxRetriesPerRequest: null,
    });
    this.pipeline = new DeliveryPipeline(config, this.alerts, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  }

  static async start(
    endpoints: PlainEndpoint[],
    extra: Record<string, unknown> = {},
    redisAddr?: string,
  ): Promise<DeliveryHarness> {
    const harness = new DeliveryHarness(testConfig(endpoints, extra, redisAddr));
    await harness.pipeline.start();
    return harness;
  }

  get prefix(): string {
    return this.config.redis.prefix;
  }

  queue(endpoint: string): Queue<DeliveryJob> {
    let queue = this.queues.get(endpoint);
    if (!queue) {
      queue = new Queue<DeliveryJob>(QueueNames.delivery(endpoint), { connection: this.redis, prefix: this.prefix });
      this.queues.set(endpoint, queue);
    }
    return queue;
  }

  /** Enqueues as the registry's broadcaster does. */
  async enqueue(endpoint: string, event: Event = makeEvent()): Promise<Event> {
    await addDeliveryJob(this.queue(endpoint), [event]);
    return event;
  }

  /** Enqueues several events in one job, as the broadcaster's group commit does under load. */
  async enqueueGroup(endpoint: string, events: Event[]): Promise<Event[]> {
    await addDeliveryJob(this.queue(endpoint), events);
    return events;
  }

  /** Stops the pipeline (keeping Redis state) and starts a new one on the same config. */
  async restartPipeline(): Promise<void> {
    await this.pipeline.close();
    this.pipeline = new DeliveryPipeline(this.config, this.alerts, pino({ level: 'silent' }));
    await this.pipeline.start();
  }

  private closed = false;

  /** Stops the pipeline and deletes this harness's keys; once (a second call does nothing). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pipeline.close();
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
    await deleteKeys(this.redis, this.prefix);
    await this.redis.quit();
  }
}

type Closable = { close(): Promise<unknown> } | { stop(): Promise<unknown> } | undefined;

/**
 * After each test, closes what a test file's variables hold then, in the order given:
 * `closeAfterEach(() => [harness, rx])`. Harnesses and receivers close once, so a variable that the next
 * test does not reassign is closed again harmlessly.
 */
export function closeAfterEach(held: () => Closable[]): void {
  afterEach(async () => {
    for (const item of held()) if (item) await ('close' in item ? item.close() : item.stop());
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
