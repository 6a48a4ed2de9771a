import type { ChainableCommander, Redis } from 'ioredis';
import { DeliveryKeys } from './delivery-keys.js';

/**
 * healthy: delivering; failing: `alerts.failingafter` consecutive failed attempts; disabled: paused (410 or
 * operator).
 */
export type EndpointHealth = 'healthy' | 'failing' | 'disabled';

export interface EndpointState {
  state: EndpointHealth;
  consecutiveFailures: number;
  /** ISO 8601 times. */
  stateSince?: string;
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  lastStatus?: number;
  lastError?: string;
  disabledReason?: string;
}

/** What a recorded attempt changed. */
export interface StateTransition {
  /** The endpoint just crossed into `failing` (alert once). */
  becameFailing: boolean;
  /** The endpoint was failing and just delivered (alert once). */
  recovered: boolean;
  consecutiveFailures: number;
}

// Each script reads and writes the hash atomically, so that with concurrent attempts exactly one of them
// sees a transition (one alert, not one per attempt in flight).
const SUCCESS = `
local state = redis.call('HGET', KEYS[1], 'state')
local failures = tonumber(redis.call('HGET', KEYS[1], 'consecutiveFailures') or '0')
redis.call('HSET', KEYS[1], 'consecutiveFailures', 0, 'lastAttemptAt', ARGV[1], 'lastSuccessAt', ARGV[1],
  'lastStatus', ARGV[2])
redis.call('HDEL', KEYS[1], 'lastError')
if state == 'failing' or not state then
  redis.call('HSET', KEYS[1], 'state', 'healthy', 'stateSince', ARGV[1])
end
if state == 'failing' then return {1, failures} end
return {0, failures}`;

const FAILURE = `
local n = redis.call('HINCRBY', KEYS[1], 'consecutiveFailures', 1)
redis.call('HSET', KEYS[1], 'lastAttemptAt', ARGV[1], 'lastStatus', ARGV[2], 'lastError', ARGV[3])
local state = redis.call('HGET', KEYS[1], 'state')
if n >= tonumber(ARGV[4]) and state ~= 'failing' and state ~= 'disabled' then
  redis.call('HSET', KEYS[1], 'state', 'failing', 'stateSince', ARGV[1])
  return {1, n}
end
if not state then redis.call('HSET', KEYS[1], 'state', 'healthy', 'stateSince', ARGV[1]) end
return {0, n}`;

const SET_STATE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'stateSince', ARGV[2], 'disabledReason', ARGV[3],
  'consecutiveFailures', 0)
return 1`;

/** What a queued success or failure did, from its `[error, reply]` pair in a MULTI's result. */
export function transition(entry: [Error | null, unknown] | undefined, kind: 'success' | 'failure'): StateTransition {
  if (!entry || entry[0]) throw entry?.[0] ?? new Error('endpoint state: no reply');
  const [flag, failures] = entry[1] as [number, number];
  return {
    becameFailing: kind === 'failure' && flag === 1,
    recovered: kind === 'success' && flag === 1,
    consecutiveFailures: failures,
  };
}

const SCRIPTS = { endpointSuccess: SUCCESS, endpointFailure: FAILURE, endpointSetState: SET_STATE };

/** The scripts as ioredis commands (defineCommand), on a client (`R` a promise) or in a MULTI. */
interface StateScripts<R = ChainableCommander> {
  endpointSuccess(key: string, ...args: string[]): R;
  endpointFailure(key: string, ...args: string[]): R;
  endpointSetState(key: string, ...args: string[]): R;
}

/** Per-endpoint health in Redis, shared by every worker process and read by the admin API. */
export class EndpointStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    // Sent by hash (EVALSHA), not as source on every attempt.
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
    }
  }

  async recordSuccess(endpoint: string, status: number, at = new Date()): Promise<StateTransition> {
    const tx = this.redis.multi();
    this.queueSuccess(tx, endpoint, status, at);
    return transition((await tx.exec())?.[0], 'success');
  }

  async recordFailure(
    endpoint: string,
    failingAfter: number,
    result: { status?: number; error?: string },
    at = new Date(),
  ): Promise<StateTransition> {
    const tx = this.redis.multi();
    this.queueFailure(tx, endpoint, failingAfter, result, at);
    return transition((await tx.exec())?.[0], 'failure');
  }

  /** Appends a success to `tx`; read its reply with `transition()`. */
  queueSuccess(tx: ChainableCommander, endpoint: string, status: number, at = new Date()): void {
    (tx as ChainableCommander & StateScripts).endpointSuccess(this.key(endpoint), at.toISOString(), String(status));
  }

  /** Appends a failed attempt to `tx`; read its reply with `transition()`. */
  queueFailure(
    tx: ChainableCommander,
    endpoint: string,
    failingAfter: number,
    result: { status?: number; error?: string },
    at = new Date(),
  ): void {
    const args = [at.toISOString(), String(result.status ?? ''), result.error ?? '', String(failingAfter)];
    (tx as ChainableCommander & StateScripts).endpointFailure(this.key(endpoint), ...args);
  }

  /** True when the endpoint was not disabled already. */
  async disable(endpoint: string, reason: string, at = new Date()): Promise<boolean> {
    return (await this.scripts.endpointSetState(this.key(endpoint), 'disabled', at.toISOString(), reason)) === 1;
  }

  /** True when the endpoint was disabled or failing. */
  async enable(endpoint: string, at = new Date()): Promise<boolean> {
    return (await this.scripts.endpointSetState(this.key(endpoint), 'healthy', at.toISOString(), '')) === 1;
  }

  private get scripts(): StateScripts<Promise<unknown>> {
    return this.redis as unknown as StateScripts<Promise<unknown>>;
  }

  async get(endpoint: string): Promise<EndpointState> {
    const hash = await this.redis.hgetall(this.key(endpoint));
    return {
      state: (hash.state as EndpointHealth | undefined) ?? 'healthy',
      consecutiveFailures: Number(hash.consecutiveFailures ?? 0),
      stateSince: hash.stateSince || undefined,
      lastAttemptAt: hash.lastAttemptAt || undefined,
      lastSuccessAt: hash.lastSuccessAt || undefined,
      lastStatus: hash.lastStatus ? Number(hash.lastStatus) : undefined,
      lastError: hash.lastError || undefined,
      disabledReason: hash.disabledReason || undefined,
    };
  }

  private key(endpoint: string): string {
    return DeliveryKeys.state(this.prefix, endpoint);
  }
}
