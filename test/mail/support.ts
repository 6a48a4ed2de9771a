import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { MailSettings } from '@app/mail';

/** Mail settings for a test: the SMTP sink's address, a unique Redis prefix, short timeouts. */
export function mailTestSettings(overrides: Partial<MailSettings> & { smtp: MailSettings['smtp'] }): MailSettings {
  return {
    levels: ['panic', 'error'],
    from: 'registry@example.test',
    to: ['ops@example.test'],
    subjectPrefix: '[registry]',
    window: 2_000,
    maxPerWindow: 20,
    timeout: 3_000,
    maxBackoff: 1_000,
    spoolDir: '/nonexistent',
    redisPrefix: uniquePrefix(),
    ...overrides,
  };
}

export function uniquePrefix(): string {
  return `mailtest-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under a prefix on the machine's Redis (127.0.0.1:6379). */
export async function cleanRedis(prefix: string, addr = '127.0.0.1:6379'): Promise<void> {
  const [host, port] = addr.split(':');
  const redis = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A log destination that keeps every line (to check what was logged, and that no secret was). */
export class CapturedLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
  lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
