import type { RedisOptions } from 'ioredis';
import type { RedisConfig } from '@app/config';

/**
 * ioredis options for the configured Redis. BullMQ workers need `maxRetriesPerRequest: null` (blocking
 * commands wait through reconnects); producers pass `forProducer` to fail fast instead, so that a request
 * path never hangs on an unreachable Redis. ioredis multiplexes every command of a client over one
 * connection (pipelining), so `redis.pool` sizes have nothing to size; timeouts, TLS and Sentinel apply.
 */
export function redisOptions(config: RedisConfig, role: 'worker' | 'producer' = 'worker'): RedisOptions {
  if (!config.addr && !config.sentinel) throw new Error('redis.addr: required (host:port of the Redis server)');
  const base: RedisOptions = {
    username: config.username,
    password: config.password,
    db: config.db,
    connectTimeout: config.dialtimeout,
    // A producer's command gives up after the longer of distribution's read and write timeouts.
    commandTimeout: role === 'producer' ? Math.max(config.readtimeout, config.writetimeout) || undefined : undefined,
    tls: config.tls.enabled ? { rejectUnauthorized: !config.tls.insecure } : undefined,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  if (config.sentinel) {
    return {
      ...base,
      name: config.sentinel.mastername,
      sentinels: config.sentinel.addrs.map((addr) => splitHostPort(addr, 26379)),
    };
  }
  return { ...base, ...splitHostPort(config.addr!, 6379) };
}

export function splitHostPort(addr: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(addr.trim());
  const host = match?.[1] || '127.0.0.1';
  return { host, port: match?.[2] ? Number(match[2]) : defaultPort };
}
