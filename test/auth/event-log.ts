import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Reads the registry's event log (the Redis stream `<prefix>:eventlog` the broadcaster writes) from the
 * machine's Redis under a prefix of the test's own, to check the events' actor; removes the keys after.
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
    const entries = await this.client.xrange(`${this.prefix}:eventlog`, '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]) as never);
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
