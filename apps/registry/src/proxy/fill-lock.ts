import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '@app/logging';

/** How long a lock outlives a process that died holding it; renewed at a third of it while held. */
export const FILL_LOCK_MS = 15_000;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Across registry processes sharing storage: one fetch of a blob at a time, by a short lock in Redis
 * (SET NX PX, renewed while the fill runs). Without Redis, or while it is unreachable, every process may
 * fetch (each fill still stores the blob whole and verified, so two fills only cost a second download).
 */
export class FillLock {
  constructor(
    private readonly redis: Redis | undefined,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** The lock when taken (or when there is no Redis to ask), undefined when another process holds it. */
  async acquire(digest: string): Promise<HeldLock | undefined> {
    const redis = this.redis;
    if (!redis) return { release: async () => undefined };
    const key = `${this.prefix}:proxy:fill:${digest}`;
    const token = randomUUID();
    try {
      if ((await redis.set(key, token, 'PX', FILL_LOCK_MS, 'NX')) !== 'OK') return undefined;
    } catch (error) {
      this.logger.warn({ err: error, digest }, 'proxy: fill lock unavailable, fetching without it');
      return { release: async () => undefined };
    }
    const renew = setInterval(() => {
      redis.eval(RENEW, 1, key, token, FILL_LOCK_MS).catch(() => undefined);
    }, FILL_LOCK_MS / 3);
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
