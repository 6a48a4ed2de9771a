import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One collector at a time across registry processes: a Redis key set NX with a token and a time to live,
 * renewed while the holder runs. A holder that stops renewing (killed) loses it after `ttl`; one whose renewal
 * fails (`held` false) must stop deleting.
 */
export class CollectorLock {
  private token?: string;
  private timer?: NodeJS.Timeout;
  held = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttl = 30_000,
  ) {}

  async acquire(): Promise<boolean> {
    const token = randomUUID();
    if ((await this.redis.set(this.key, token, 'PX', this.ttl, 'NX')) !== 'OK') return false;
    this.token = token;
    this.held = true;
    this.timer = setInterval(() => void this.renew(), Math.floor(this.ttl / 3));
    this.timer.unref();
    return true;
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    const token = this.token;
    this.held = false;
    this.token = undefined;
    if (token) await this.redis.eval(RELEASE, 1, this.key, token).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (!this.token) return;
    const renewed = await this.redis.eval(RENEW, 1, this.key, this.token, this.ttl).catch(() => 0);
    if (renewed !== 1) this.held = false;
  }
}
