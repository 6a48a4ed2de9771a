import type { Redis } from 'ioredis';
import { PathNotFoundError, type StorageDriver } from '@app/storage';
import { Paths } from '../storage/index.js';

/**
 * Where the expiry scheduler keeps when each cached item expires (ms since epoch), so that it survives a
 * restart. Keys are the scheduler's (`blob|<repository>|<digest>`).
 */
export abstract class ExpiryStore {
  /** Sets (or moves later) the expiry of each key. */
  abstract schedule(entries: ReadonlyMap<string, number>): Promise<void>;
  /** Keys whose expiry is at or before `now`. */
  abstract due(now: number): Promise<string[]>;
  abstract remove(keys: readonly string[]): Promise<void>;
}

/** In Redis (a sorted set scored by expiry): shared by every registry process of one storage. */
export class RedisExpiryStore extends ExpiryStore {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {
    super();
  }

  override async schedule(entries: ReadonlyMap<string, number>): Promise<void> {
    if (entries.size === 0) return;
    const args = [...entries].flatMap(([member, at]) => [at, member]);
    await this.redis.zadd(this.key, ...args);
  }

  override due(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key, '-inf', now, 'LIMIT', 0, 1000);
  }

  override async remove(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.redis.zrem(this.key, ...keys);
  }
}

/**
 * In storage (`_proxy/expiry.json`), as distribution keeps its scheduler's state: read once, rewritten
 * whole on each change (the scheduler batches changes). For one registry process per storage.
 */
export class StorageExpiryStore extends ExpiryStore {
  private entries?: Map<string, number>;

  constructor(private readonly driver: StorageDriver) {
    super();
  }

  override async schedule(entries: ReadonlyMap<string, number>): Promise<void> {
    if (entries.size === 0) return;
    const all = await this.load();
    for (const [key, at] of entries) all.set(key, at);
    await this.save(all);
  }

  override async due(now: number): Promise<string[]> {
    const all = await this.load();
    return [...all].filter(([, at]) => at <= now).map(([key]) => key);
  }

  override async remove(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const all = await this.load();
    for (const key of keys) all.delete(key);
    await this.save(all);
  }

  private async load(): Promise<Map<string, number>> {
    if (this.entries) return this.entries;
    try {
      const content = await this.driver.getContent(Paths.proxyExpiry());
      this.entries = new Map(Object.entries(JSON.parse(content.toString('utf8')) as Record<string, number>));
    } catch (error) {
      if (!(error instanceof PathNotFoundError)) throw error;
      this.entries = new Map();
    }
    return this.entries;
  }

  private save(all: Map<string, number>): Promise<void> {
    return this.driver.putContent(Paths.proxyExpiry(), Buffer.from(JSON.stringify(Object.fromEntries(all))));
  }
}
