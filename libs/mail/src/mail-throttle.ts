import type { Redis } from 'ioredis';

/** What to do with a report once counted: mail it now, count it only, or hold it (cap reached) for the summary. */
export type ThrottleDecision = { action: 'mail' | 'hold'; window: number } | { action: 'count' };

/** The close of a fingerprint's window: how many occurrences were not mailed, and what to do next. */
export interface WindowClose {
  /** Occurrences in the closed window that were not mailed. */
  pending: number;
  /** Mail a follow-up with `pending` now (false: over the cap, carried into the next window). */
  mail: boolean;
  /** The JSON report the fingerprint was opened with. */
  sample?: string;
  /** Start of the next window, whose summary must be scheduled; absent when the fingerprint went quiet. */
  next?: number;
}

/**
 * KEYS: fingerprint hash, cap counter of the current cap bucket. ARGV: count, now, window, cap, sample.
 * A new fingerprint opens a window: mailed at once when the cap allows, else held for the summary.
 */
const REGISTER = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'pending', ARGV[1])
  return {0, 0}
end
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local allowed = used < tonumber(ARGV[4])
local pending = tonumber(ARGV[1])
if allowed then
  pending = pending - 1
  if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[3])) end
end
redis.call('HSET', KEYS[1], 'window', ARGV[2], 'pending', pending, 'sample', ARGV[5])
redis.call('PEXPIRE', KEYS[1], 20 * tonumber(ARGV[3]))
if allowed then return {1, ARGV[2]} end
return {2, ARGV[2]}
`;

/**
 * KEYS: fingerprint hash, cap counter, result key of this close. ARGV: window being closed, now, window length,
 * cap. The result is stored, so a retried summary job gets the same answer and mails the same count.
 */
const CLOSE = `
local done = redis.call('GET', KEYS[3])
if done then return done end
if redis.call('HGET', KEYS[1], 'window') ~= ARGV[1] then return '{"pending":0,"mail":false}' end
local pending = tonumber(redis.call('HGET', KEYS[1], 'pending') or '0')
local sample = redis.call('HGET', KEYS[1], 'sample')
local result
if pending == 0 then
  redis.call('DEL', KEYS[1])
  result = cjson.encode({pending = 0, mail = false})
else
  local used = tonumber(redis.call('GET', KEYS[2]) or '0')
  local mail = used < tonumber(ARGV[4])
  if mail then
    if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[3])) end
    redis.call('HSET', KEYS[1], 'window', ARGV[2], 'pending', 0)
  else
    redis.call('HSET', KEYS[1], 'window', ARGV[2])
  end
  redis.call('PEXPIRE', KEYS[1], 20 * tonumber(ARGV[3]))
  result = cjson.encode({pending = pending, mail = mail, sample = sample, next = tonumber(ARGV[2])})
end
redis.call('SET', KEYS[3], result, 'PX', 20 * tonumber(ARGV[3]))
return result
`;

export interface ThrottleOptions {
  /** `redis.prefix`. */
  prefix: string;
  /** Window length (ms). */
  window: number;
  /** Mails per window, all fingerprints together. */
  maxPerWindow: number;
}

/**
 * De-duplication state in Redis, shared by every registry and worker process: per fingerprint, the open window,
 * the count of occurrences not mailed and a sample; per cap bucket (a fixed slice of time one window long), the
 * mails sent. Each operation is one Lua script (one round trip, atomic).
 */
export class MailThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly options: ThrottleOptions,
  ) {}

  /** Counts `count` occurrences of a fingerprint (pre-aggregated by the caller). */
  async register(fingerprint: string, count: number, sample: string, now = Date.now()): Promise<ThrottleDecision> {
    const { window, maxPerWindow } = this.options;
    const keys = [this.fingerprintKey(fingerprint), this.capKey(now)];
    const [code, opened] = (await this.redis.eval(REGISTER, 2, ...keys, count, now, window, maxPerWindow, sample)) as [
      number,
      number | string,
    ];
    if (code === 0) return { action: 'count' };
    return { action: code === 1 ? 'mail' : 'hold', window: Number(opened) };
  }

  /** Closes `window` of a fingerprint (the summary job). Idempotent for the same window. */
  async close(fingerprint: string, window: number, now = Date.now()): Promise<WindowClose> {
    const keys = [
      this.fingerprintKey(fingerprint),
      this.capKey(now),
      `${this.options.prefix}:mail:closed:${fingerprint}:${window}`,
    ];
    const reply = (await this.redis.eval(
      CLOSE,
      3,
      ...keys,
      window,
      now,
      this.options.window,
      this.options.maxPerWindow,
    )) as string;
    return JSON.parse(reply) as WindowClose;
  }

  private fingerprintKey(fingerprint: string): string {
    return `${this.options.prefix}:mail:fp:${fingerprint}`;
  }

  private capKey(now: number): string {
    return `${this.options.prefix}:mail:cap:${Math.floor(now / this.options.window)}`;
  }
}
