import { Redis, type RedisOptions } from 'ioredis';
import { redisConfigured, splitHostPort, type RedisConfig } from '@app/config';

/**
 * What a connection is for. `worker`: BullMQ workers and the worker's records; commands wait through
 * reconnects (BullMQ requires `maxRetriesPerRequest: null`). `producer`: anything on a request path of the
 * registry; commands fail fast (one retry, no offline queue, distribution's read/write timeout) so that a
 * request never hangs on an unreachable Redis. `admin`: the admin API; queued while connecting, bounded
 * by a command timeout.
 */
export type RedisRole = 'worker' | 'producer' | 'admin';

export interface RedisClientOptions {
  /** Shown by CLIENT LIST (`registry-events-<instance>` ...). */
  name?: string;
  /** Command timeout (ms), for roles whose callers must not wait longer. */
  commandTimeout?: number;
  /** Pipeline the commands issued in one tick into one write (the registry's event producer). */
  autoPipelining?: boolean;
  /** Connect on first command rather than at once. */
  lazyConnect?: boolean;
}

/**
 * The one place a Redis connection is made: address or Sentinel (`redis.sentinels` and `redis.mastername`),
 * credentials, db, TLS, timeouts, all from `redis.*`. ioredis multiplexes a client's commands over one
 * connection, so `redis.pool` has nothing to size. BullMQ queues and workers are handed a client from here
 * (they duplicate it for their blocking connections, with the same options).
 */
export function createRedis(config: RedisConfig, role: RedisRole, options: RedisClientOptions = {}): Redis {
  return new Redis({ ...redisOptions(config, role), ...clientOptions(options) });
}

function clientOptions(options: RedisClientOptions): RedisOptions {
  const out: RedisOptions = {};
  if (options.name) out.connectionName = options.name;
  if (options.commandTimeout !== undefined) out.commandTimeout = options.commandTimeout;
  if (options.autoPipelining) out.enableAutoPipelining = true;
  if (options.lazyConnect) out.lazyConnect = true;
  return out;
}

/** ioredis options for the configured Redis and a role (see RedisRole). */
export function redisOptions(config: RedisConfig, role: RedisRole): RedisOptions {
  if (!redisConfigured(config)) throw new Error('redis.addr: required (host:port of the Redis server)');
  const base: RedisOptions = {
    username: config.username,
    password: config.password,
    db: config.db,
    connectTimeout: config.dialtimeout,
    // A producer's command gives up after the longer of distribution's read and write timeouts.
    commandTimeout: role === 'producer' ? Math.max(config.readtimeout, config.writetimeout) || undefined : undefined,
    tls: config.tls.enabled ? { rejectUnauthorized: !config.tls.insecure } : undefined,
    maxRetriesPerRequest: role === 'producer' ? 1 : null,
    enableOfflineQueue: role !== 'producer',
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  if (config.sentinels.length > 0) {
    const sentinels = config.sentinels.map((addr) => splitHostPort(addr, 26379));
    return {
      ...base,
      name: config.mastername,
      sentinels,
      sentinelUsername: config.username,
      sentinelPassword: config.password,
    };
  }
  return { ...base, ...splitHostPort(config.addr!, 6379) };
}
