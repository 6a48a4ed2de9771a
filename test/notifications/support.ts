import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { fromObject, type RegistryConfig } from '@app/config';
import { EventBuilder, type Event, type EventRequest } from '@app/events';
import { QueueNames, type DeliveryJob, type EventLogJob } from '@app/queue';
import { UploadService, type BlobDescriptor, type UploadStatus } from '../../apps/registry/src/repository/index.js';

export const silentLogger = pino({ level: 'silent' });

export const request = (method: string, id = randomUUID()): EventRequest => ({
  id,
  addr: '127.0.0.1:40000',
  host: 'reg:5000',
  method,
  useragent: 'test',
  baseUrl: 'http://reg:5000',
});

export const builder = new EventBuilder({ source: { addr: 'vm:5000', instanceID: 'test' }, includeReferences: true });

export const blob = (index: number) => ({
  digest: `sha256:${index.toString(16).padStart(64, '0')}`,
  size: 100 + index,
});

/** A push event of blob `index` in `repository`. */
export function pushEvent(index: number, repository = 'golden/app'): Event {
  return builder.blobPushed(request('PUT'), repository, blob(index));
}

export function testConfig(raw: {
  redisAddr?: string;
  prefix?: string;
  spooldir: string;
  endpoints?: Record<string, unknown>[];
}): RegistryConfig {
  return fromObject({
    version: '0.1',
    storage: { filesystem: { rootdirectory: raw.spooldir } },
    http: { addr: '127.0.0.1:5999' },
    redis: raw.redisAddr ? { addr: raw.redisAddr, prefix: raw.prefix } : {},
    notifications: { spooldir: raw.spooldir, endpoints: raw.endpoints ?? [] },
  });
}

export const endpoint = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  url: 'http://127.0.0.1:9/events',
  ...extra,
});

/** Reads what the broadcaster wrote: delivery jobs per endpoint (oldest first) and the event log. */
export class RedisInspector {
  readonly client: Redis;
  private readonly queues = new Map<string, Queue<DeliveryJob>>();

  constructor(
    addr: string,
    readonly prefix: string,
  ) {
    const [host, port] = addr.split(':');
    this.client = new Redis({ host, port: Number(port), maxRetriesPerRequest: null });
    this.client.on('error', () => undefined);
  }

  queue(endpointName: string): Queue<DeliveryJob> {
    let queue = this.queues.get(endpointName);
    if (!queue) {
      queue = new Queue<DeliveryJob>(QueueNames.delivery(endpointName), {
        connection: this.client,
        prefix: this.prefix,
      });
      this.queues.set(endpointName, queue);
    }
    return queue;
  }

  /** Waiting jobs of an endpoint, oldest first, with their events. */
  async jobs(endpointName: string): Promise<{ id: string; events: Event[] }[]> {
    const jobs = await this.queue(endpointName).getJobs(['wait'], 0, -1, true);
    return jobs.map((job) => ({ id: job.id!, events: job.data.events }));
  }

  /** The events of an endpoint's waiting jobs, in queue order. */
  async events(endpointName: string): Promise<Event[]> {
    return (await this.jobs(endpointName)).flatMap((job) => job.events);
  }

  /** The events of the event-log queue's waiting jobs, in queue order (the worker appends them to the log). */
  async eventLog(): Promise<Event[]> {
    const queue = new Queue<EventLogJob>(QueueNames.eventLog, { connection: this.client, prefix: this.prefix });
    try {
      return (await queue.getJobs(['wait'], 0, -1, true)).flatMap((job) => job.data.events);
    } finally {
      await queue.close();
    }
  }

  async cleanup(): Promise<void> {
    for (const queue of this.queues.values()) await queue.close();
    const keys = await this.client.keys(`${this.prefix}:*`);
    if (keys.length > 0) await this.client.del(...keys);
    this.client.disconnect();
  }
}

export const uniquePrefix = () => `test-notify-${randomUUID().slice(0, 8)}`;

/** An upload service whose every commit succeeds with the digest asked for: the inner service the listener wraps. */
export class CommittingUploads extends UploadService {
  private readonly status0: UploadStatus = { id: 'u', offset: 0 };
  async start(): Promise<UploadStatus> {
    return this.status0;
  }
  async append(): Promise<UploadStatus> {
    return this.status0;
  }
  async status(): Promise<UploadStatus> {
    return this.status0;
  }
  async cancel(): Promise<void> {}
  async commit(_ctx: unknown, _repo: string, _id: string, digest: string): Promise<BlobDescriptor> {
    return { digest, size: 1, mediaType: 'application/octet-stream' };
  }
  async putMonolithic(_ctx: unknown, _repo: string, digest: string): Promise<BlobDescriptor> {
    return { digest, size: 1, mediaType: 'application/octet-stream' };
  }
}
