import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueNames, type EventLogJob } from '@app/queue';

/**
 * Reads the events the registry accepted (its event-log queue's jobs: no worker runs here) from the machine's
 * Redis under a prefix of the test's own, to check the events' actor; removes the keys after.
 */
export class EventLogReader {
  readonly prefix = `test-auth-${randomUUID()}`;
  private readonly client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });

  /** The registry config that makes it log events here (an endpoint nobody delivers to). */
  get config(): Record<string, unknown> {
    return {
      redis: { addr: '127.0.0.1:6379', prefix: this.prefix },
      notifications: { endpoints: [{ name: 'audit', url: 'http://127.0.0.1:9/events' }] },
    };
  }

  async events(): Promise<
    { action: string; target: { repository: string; digest: string }; actor?: { name?: string } }[]
  > {
    if (this.client.status === 'wait') await this.client.connect();
    const queue = new Queue<EventLogJob>(QueueNames.eventLog, { connection: this.client, prefix: this.prefix });
    try {
      return (await queue.getJobs(['wait'], 0, -1, true)).flatMap((job) => job.data.events) as never;
    } finally {
      await queue.close();
    }
  }

  async dispose(): Promise<void> {
    if (this.client.status === 'wait') await this.client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await this.client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    this.client.disconnect();
  }
}
