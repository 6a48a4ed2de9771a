import type { Redis } from 'ioredis';
import type { Event } from '@app/events';
import type { AttemptRecord } from './attempt-history.js';
import { DeliveryKeys } from './delivery-keys.js';

/** An event that exhausted its retries (or was refused with 410) at one endpoint. */
export interface DeadLetterEntry {
  endpoint: string;
  event: Event;
  reason: string;
  /** ISO 8601. */
  at: string;
  /** Its last attempts, newest first. */
  attempts: AttemptRecord[];
}

/** Which entries a list or a replay takes: all, some ids, or a time range (ms since the epoch, inclusive). */
export interface DeadLetterSelector {
  ids?: string[];
  from?: number;
  to?: number;
  limit?: number;
}

/**
 * The dead-letter set of each endpoint: a sorted set of event ids by time and a hash of entries, so that
 * listing by time range and taking by id are both one command.
 */
export class DeadLetterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async add(entry: DeadLetterEntry): Promise<void> {
    const at = Date.parse(entry.at);
    await this.redis
      .multi()
      .zadd(DeliveryKeys.deadLetters(this.prefix, entry.endpoint), at, entry.event.id)
      .hset(DeliveryKeys.deadLetterEntries(this.prefix, entry.endpoint), entry.event.id, JSON.stringify(entry))
      .exec();
  }

  async count(endpoint: string): Promise<number> {
    return this.redis.zcard(DeliveryKeys.deadLetters(this.prefix, endpoint));
  }

  /** Entries oldest first. */
  async list(endpoint: string, selector: DeadLetterSelector = {}): Promise<DeadLetterEntry[]> {
    const ids = await this.select(endpoint, selector);
    if (ids.length === 0) return [];
    const items = await this.redis.hmget(DeliveryKeys.deadLetterEntries(this.prefix, endpoint), ...ids);
    return items.filter((item): item is string => item !== null).map((item) => JSON.parse(item) as DeadLetterEntry);
  }

  /**
   * Removes the entries (after they were re-enqueued) and the tries kept for them, so that a replay starts
   * its attempt history afresh at attempt 1.
   */
  async remove(endpoint: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis
      .multi()
      .zrem(DeliveryKeys.deadLetters(this.prefix, endpoint), ...ids)
      .hdel(DeliveryKeys.deadLetterEntries(this.prefix, endpoint), ...ids)
      .del(...ids.map((id) => DeliveryKeys.tries(this.prefix, endpoint, id)))
      .exec();
  }

  private async select(endpoint: string, selector: DeadLetterSelector): Promise<string[]> {
    const key = DeliveryKeys.deadLetters(this.prefix, endpoint);
    const limit = selector.limit ?? 10_000;
    if (selector.ids) {
      const scores = selector.ids.length ? await this.redis.zmscore(key, ...selector.ids) : [];
      return selector.ids.filter((_, index) => scores[index] !== null).slice(0, limit);
    }
    const from = selector.from !== undefined ? String(selector.from) : '-inf';
    const to = selector.to !== undefined ? String(selector.to) : '+inf';
    return this.redis.zrangebyscore(key, from, to, 'LIMIT', 0, limit);
  }
}
