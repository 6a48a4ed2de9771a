import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { RegistryConfig } from '@app/config';
import type { Event } from '@app/events';
import { QueueNames, type DeliveryJob } from '@app/queue';
import { AuditStore, auditLocation } from '@app/audit';
import { AttemptHistory, DeadLetterStore, DeliveryMetricsStore, EndpointStateStore } from '@app/records';
import type { EnvelopeAttempt } from '@app/records';
import { deleteKeys, freePort, testRedisClient, testRedisConfig } from '@app/testing';
import { createDebugApp } from '../../apps/registry/src/debug/index.js';
import { HealthChecks } from '../../apps/registry/src/health/index.js';

export const TOKEN = 'admin-secret-token';

/** A config with a debug listener on a free loopback port (and the admin token unless `token: null`). */
export async function debugConfig(
  endpoints: { name: string; url: string }[],
  token: string | null = TOKEN,
): Promise<RegistryConfig> {
  const debug = { addr: `127.0.0.1:${await freePort()}`, ...(token ? { token } : {}) };
  return testRedisConfig({ http: { debug }, notifications: { endpoints } });
}

/** The registry's debug listener app, listening on `http.debug.addr`. */
export async function startDebug(config: RegistryConfig): Promise<NestExpressApplication> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = await createDebugApp(config, logger, new HealthChecks(config, 'test'));
  const [host, port] = config.http.debug!.addr.split(':');
  await app.listen(Number(port), host!);
  return app;
}

export interface Answer {
  status: number;
  // The admin API's answers, read by the tests field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
  headers: Headers;
}

/** One request to the debug listener at `base`; the admin token unless `token` says otherwise. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; type?: string } = {},
): Promise<Answer> {
  const token = options.token === undefined ? TOKEN : options.token;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const body =
    typeof options.body === 'string' || options.body === undefined ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

/**
 * Writes delivery records as the worker does, through the record stores (what the admin plane reads),
 * so that these tests need no worker.
 */
export class WorkerRecords {
  readonly redis: Redis;
  readonly history: AttemptHistory;
  readonly states: EndpointStateStore;
  readonly deadLetters: DeadLetterStore;
  readonly metrics: DeliveryMetricsStore;
  /** The audit store, as the worker writes it from the event-log queue. */
  readonly audit: AuditStore;
  private readonly queues = new Map<string, Queue<DeliveryJob>>();

  constructor(private readonly config: RegistryConfig) {
    const { prefix } = config.redis;
    this.redis = testRedisClient(config);
    this.history = new AttemptHistory(this.redis, prefix, { attempts: 1000, maxage: 3_600_000 });
    this.states = new EndpointStateStore(this.redis, prefix);
    this.deadLetters = new DeadLetterStore(this.redis, prefix);
    this.metrics = new DeliveryMetricsStore(this.redis, prefix);
    this.audit = AuditStore.open(auditLocation(config));
  }

  queue(endpoint: string): Queue<DeliveryJob> {
    let queue = this.queues.get(endpoint);
    if (!queue) {
      queue = new Queue<DeliveryJob>(QueueNames.delivery(endpoint), {
        connection: this.redis,
        prefix: this.config.redis.prefix,
      });
      this.queues.set(endpoint, queue);
    }
    return queue;
  }

  /** One attempt of `event` that answered `status` (`last`: the final one, then dead-lettered). */
  async attempt(endpoint: string, event: Event, attempt: number, status: number, last = false): Promise<void> {
    const delivered = status < 300;
    const outcome = delivered ? 'delivered' : last ? 'gaveup' : 'retry';
    const at = new Date().toISOString();
    const envelope: EnvelopeAttempt = {
      endpoint,
      status,
      latencyMs: 2,
      response: delivered ? 'ok' : 'nope',
      at,
      events: [{ eventId: event.id, attempt, outcome }],
    };
    const tx = this.redis.multi();
    if (attempt === 1) this.metrics.countEvents(tx, endpoint, 'Events', event.action);
    this.metrics.countEvents(tx, endpoint, delivered ? 'Successes' : 'Failures', event.action);
    this.metrics.recordResponses(tx, endpoint, [envelope]);
    this.history.record(tx, endpoint, [envelope]);
    if (delivered) this.states.queueSuccess(tx, endpoint, status);
    else this.states.queueFailure(tx, endpoint, 5, { status, error: `HTTP ${status}` });
    await tx.exec();
  }

  /** `event` dead-lettered with its last tries (as the worker does once it gives up). */
  async deadLetter(endpoint: string, event: Event, reason: string): Promise<void> {
    const attempts = await this.history.tries(endpoint, event.id);
    await this.deadLetters.add({ endpoint, event, reason, at: new Date().toISOString(), attempts });
    const tx = this.redis.multi();
    this.metrics.recordDeadLettered(tx, endpoint, 1);
    await tx.exec();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
    await deleteKeys(this.redis, this.config.redis.prefix);
    await this.redis.quit();
    await this.audit.close();
  }
}

let sequence = 0;

/** An event as the registry's listener makes it. */
export function makeEvent(fields: { action?: Event['action']; repository?: string; actor?: string } = {}): Event {
  sequence += 1;
  const digest = `sha256:${sequence.toString(16).padStart(64, '0')}`;
  const repository = fields.repository ?? 'library/app';
  const url = `http://127.0.0.1:5000/v2/${repository}/manifests/${digest}`;
  return {
    id: crypto.randomUUID(),
    timestamp: new Date().toISOString().replace('Z', '000000Z'),
    action: fields.action ?? 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 100,
      digest,
      length: 100,
      repository,
      url,
    },
    request: {
      id: crypto.randomUUID(),
      addr: '127.0.0.1:40000',
      host: '127.0.0.1:5000',
      method: 'PUT',
      useragent: 'test',
    },
    actor: fields.actor ? { name: fields.actor } : {},
    source: { addr: 'registry.test:5000', instanceID: 'instance-1' },
  };
}
