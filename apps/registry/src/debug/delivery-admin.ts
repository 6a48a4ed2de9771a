import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { EndpointConfig, RegistryConfig } from '@app/config';
import { formatRfc3339Nano, systemNanoClock, type Event } from '@app/events';
import { addDeliveryJob, QueueNames, type DeliveryJob } from '@app/queue';
import { AttemptHistory, DeadLetterStore, DeliveryKeys, DeliveryMetricsStore, EndpointStateStore, replayDeadLetters, type AttemptPage, type AttemptQuery, type DeadLetterEntry, type DeadLetterSelector, type EndpointMetrics, type EndpointState } from '@app/records';
import { redisOptions } from '@app/redis';

const ADMIN_TIMEOUT_MS = 3_000;

export interface PendingCounts {
  waiting: number;
  delayed: number;
  active: number;
  /** Jobs parked while the endpoint's circuit breaker was open (libs/queue/src/parking.ts). */
  parked: number;
}

export interface EndpointOverview {
  name: string;
  url: string;
  /** `disabled` in the config: no worker delivers to it. */
  configDisabled: boolean;
  paused: boolean;
  state: EndpointState;
  /** Delivery jobs not finished; a job usually holds one event, a group-committed one several. */
  pending: PendingCounts;
  deadLetters: number;
  counters: { events: number; successes: number; failures: number; errors: number; internalErrors: number; deadLettered: number };
}

/**
 * The registry's read and control side of the delivery pipeline, for the admin API and /metrics: the
 * worker's records in Redis (libs/queue stores) and each endpoint's BullMQ queue.
 */
export class DeliveryAdmin {
  readonly redis: Redis;
  private readonly queues = new Map<string, Queue<DeliveryJob>>();
  private readonly history: AttemptHistory;
  private readonly states: EndpointStateStore;
  private readonly deadLetters: DeadLetterStore;
  private readonly metrics: DeliveryMetricsStore;

  constructor(
    private readonly config: RegistryConfig,
    private readonly sourceAddr: string,
    private readonly instanceId: string,
  ) {
    const prefix = config.redis.prefix;
    // Commands wait for a (re)connection, but at most ADMIN_TIMEOUT_MS: the admin API answers 503 then.
    this.redis = new Redis({ ...redisOptions(config.redis, 'producer'), enableOfflineQueue: true, commandTimeout: ADMIN_TIMEOUT_MS });
    this.redis.on('error', () => undefined);
    this.history = new AttemptHistory(this.redis, prefix, { attempts: config.notifications.history.attempts, maxage: config.notifications.history.maxage });
    this.states = new EndpointStateStore(this.redis, prefix);
    this.deadLetters = new DeadLetterStore(this.redis, prefix);
    this.metrics = new DeliveryMetricsStore(this.redis, prefix);
  }

  get prefix(): string {
    return this.config.redis.prefix;
  }

  get endpoints(): readonly EndpointConfig[] {
    return this.config.notifications.endpoints;
  }

  endpoint(name: string): EndpointConfig | undefined {
    return this.endpoints.find((endpoint) => endpoint.name === name);
  }

  async overview(endpoint: EndpointConfig): Promise<EndpointOverview> {
    const queue = this.queue(endpoint.name);
    const [state, counts, parked, paused, deadLetters, metrics] = await Promise.all([
      this.states.get(endpoint.name),
      queue.getJobCounts('wait', 'delayed', 'active', 'prioritized'),
      this.redis.llen(DeliveryKeys.parked(this.prefix, endpoint.name)),
      queue.isPaused(),
      this.deadLetters.count(endpoint.name),
      this.metrics.read(endpoint.name),
    ]);
    const pending = { waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0), delayed: counts.delayed ?? 0, active: counts.active ?? 0, parked };
    return { name: endpoint.name, url: redactUrl(endpoint.url), configDisabled: endpoint.disabled, paused, state, pending, deadLetters, counters: counters(metrics) };
  }

  async readMetrics(endpoint: string): Promise<EndpointMetrics> {
    return this.metrics.read(endpoint);
  }

  attempts(endpoint: string, query: AttemptQuery): Promise<AttemptPage> {
    return this.history.list(endpoint, query);
  }

  deadLetterList(endpoint: string, selector: DeadLetterSelector): Promise<DeadLetterEntry[]> {
    return this.deadLetters.list(endpoint, selector);
  }

  replay(endpoint: string, selector: DeadLetterSelector): Promise<string[]> {
    return replayDeadLetters(this.deadLetters, this.queue(endpoint), endpoint, selector);
  }

  /** Resumes a disabled (410) endpoint's queue and marks it healthy. */
  async enable(endpoint: string): Promise<void> {
    await this.queue(endpoint).resume();
    await this.states.enable(endpoint);
  }

  /** Enqueues a synthetic `push` event of repository `test/webhook` for one endpoint; returns it. */
  async sendTestEvent(endpoint: string, actor: string): Promise<Event> {
    const event: Event = {
      id: randomUUID(),
      timestamp: formatRfc3339Nano(systemNanoClock()),
      action: 'push',
      target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: 'test/webhook', tag: 'test' },
      request: { id: randomUUID(), addr: '', host: '', method: 'POST', useragent: 'registry-admin-api' },
      actor: { name: actor },
      source: { addr: this.sourceAddr, instanceID: this.instanceId },
    };
    await addDeliveryJob(this.queue(endpoint), [event]);
    return event;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
    this.redis.disconnect();
  }

  private queue(endpoint: string): Queue<DeliveryJob> {
    let queue = this.queues.get(endpoint);
    if (!queue) {
      queue = new Queue<DeliveryJob>(QueueNames.delivery(endpoint), { connection: this.redis, prefix: this.config.redis.prefix });
      queue.on('error', () => undefined);
      this.queues.set(endpoint, queue);
    }
    return queue;
  }
}

function counters(metrics: EndpointMetrics): EndpointOverview['counters'] {
  const sum = (type: string) => metrics.events.filter((item) => item.type === type).reduce((total, item) => total + item.value, 0);
  return { events: sum('Events'), successes: sum('Successes'), failures: sum('Failures'), errors: sum('Errors'), internalErrors: metrics.errors, deadLettered: metrics.deadLettered };
}

/** Credentials in an endpoint URL never leave the process. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = 'redacted';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
