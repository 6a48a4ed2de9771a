import type { Redis } from 'ioredis';
import { RegistryError } from '../errors/index.js';
import { BlobFence } from './blob-fence.js';

/**
 * KEYS used (zset digest → last use, ms), deleting (set); ARGV now, digests...: records the uses, returns the
 * digests being deleted.
 */
const USE = `
local deleting = {}
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1 then table.insert(deleting, ARGV[i]) end
end
return deleting`;
/** KEYS used, deleting; ARGV digest, since: 1 and the digest marked as being deleted, or 0 when it was used since. */
const CLAIM = `
local used = redis.call('ZSCORE', KEYS[1], ARGV[1])
if used and tonumber(used) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1`;

const WAIT_STEP_MS = 20;

/** BlobFence in Redis, shared by every registry process on the storage (keys under `<prefix>:gc:`). */
export class RedisBlobFence extends BlobFence {
  private readonly used: string;
  private readonly deleting: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.used = `${prefix}:gc:used`;
    this.deleting = `${prefix}:gc:deleting`;
  }

  override async use(digests: readonly string[]): Promise<void> {
    if (digests.length === 0) return;
    let pending = await this.record(digests);
    while (pending.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      const flags = await this.redis.smismember(this.deleting, ...pending);
      pending = pending.filter((_digest, index) => flags[index] === 1);
    }
  }

  /** A request cannot tell whether the collector is deleting: it is refused (503), never left to race. */
  private async record(digests: readonly string[]): Promise<string[]> {
    try {
      return (await this.redis.eval(USE, 2, this.used, this.deleting, this.now(), ...digests)) as string[];
    } catch (error) {
      throw new RegistryError('UNAVAILABLE', 'garbage collection fence (Redis) unreachable', {
        reason: (error as Error).message,
      });
    }
  }

  override async claim(digest: string, since: number): Promise<boolean> {
    return (await this.redis.eval(CLAIM, 2, this.used, this.deleting, digest, since)) === 1;
  }

  override async release(digest: string): Promise<void> {
    await this.redis.srem(this.deleting, digest);
  }

  override async prune(before: number): Promise<void> {
    await this.redis.zremrangebyscore(this.used, '-inf', `(${before}`);
  }
}
