import type { Redis } from 'ioredis';
import type { Event } from '@app/events';
import { wireEvent } from '@app/events';
import { RedisKeys } from './redis-keys.js';

export interface EventLogQuery {
  /** Inclusive bounds, ms since the epoch. */
  from?: number;
  to?: number;
  action?: string;
  /** Exact name, or a glob with `*` (within a segment) and `**` (across segments). */
  repository?: string;
  /** `actor.name`; an empty string matches anonymous events. */
  actor?: string;
  limit?: number;
  /** From a previous page's `next`. */
  cursor?: string;
}

export interface EventLogPage {
  events: (Event & { logId: string })[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

const CHUNK = 500;
const MAX_SCANNED = 100_000;

/**
 * The event log: a stream of every accepted event in Redis, appended by the worker from the event-log queue
 * (after the audit store), bounded by `notifications.history.events` (length) and `.maxage` (age). The admin
 * API's queries read the audit store (libs/audit); this stream stays the record in Redis beside the queues.
 */
export class EventLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly limits: { events: number; maxage: number },
  ) {
    this.key = RedisKeys.eventLog(prefix);
  }

  /** Appends the events in order (one MULTI) and trims what is past either bound. */
  async append(events: readonly Event[]): Promise<void> {
    const tx = this.redis.multi();
    const maxLength = String(this.limits.events);
    for (const event of events)
      tx.xadd(this.key, 'MAXLEN', '~', maxLength, '*', 'event', JSON.stringify(wireEvent(event)));
    tx.xtrim(this.key, 'MINID', '~', String(Date.now() - this.limits.maxage));
    await tx.exec();
  }

  /**
   * "Who pulled what, when": events (each with its `logId`, the time it was logged) oldest first between
   * two times, filtered. A page stops after `limit` matches or 100 000 entries scanned, returning a cursor
   * to continue from.
   */
  async query(query: EventLogQuery): Promise<EventLogPage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const end = query.to !== undefined ? String(query.to) : '+';
    let start = query.cursor ? `(${query.cursor}` : query.from !== undefined ? String(query.from) : '-';
    const matches = matcher(query);
    const events: EventLogPage['events'] = [];
    for (let scanned = 0; scanned < MAX_SCANNED; scanned += CHUNK) {
      const entries = await this.redis.xrange(this.key, start, end, 'COUNT', CHUNK);
      for (const [id, fields] of entries) {
        const event = parseEntry(fields);
        if (!event || !matches(event)) continue;
        events.push({ ...event, logId: id });
        if (events.length === limit) return { events, next: id };
      }
      if (entries.length < CHUNK) return { events };
      start = `(${entries[entries.length - 1]![0]}`;
    }
    return { events, next: start.slice(1) };
  }
}

function parseEntry(fields: string[]): Event | undefined {
  const index = fields.indexOf('event');
  if (index < 0 || index % 2 !== 0) return undefined;
  try {
    return JSON.parse(fields[index + 1]!) as Event;
  } catch {
    return undefined;
  }
}

function matcher(query: EventLogQuery): (event: Event) => boolean {
  const repository = query.repository ? globToRegExp(query.repository) : undefined;
  return (event) =>
    (!query.action || event.action === query.action) &&
    (!repository || repository.test(event.target?.repository ?? '')) &&
    (query.actor === undefined || (event.actor?.name ?? '') === query.actor);
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}
