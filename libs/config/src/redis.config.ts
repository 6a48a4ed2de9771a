import { IsBoolean, IsInt, IsOptional, Min, ValidateIf } from 'class-validator';
import { Duration, Section, StringList, IsText } from './decorators.js';

export class RedisPoolConfig {
  @IsOptional() @IsInt() @Min(0) maxidle = 16;
  @IsOptional() @IsInt() @Min(0) maxactive = 64;
  @IsOptional() @Duration() idletimeout = 300_000;
}

export class RedisTlsConfig {
  @IsOptional() @IsBoolean() enabled = false;
  @IsOptional() @IsBoolean() insecure = false;
}

/** Absent: `npm start` runs a local redis-server; the apps alone need an addr. */
export class RedisConfig {
  @IsOptional() @IsText() addr?: string;
  @IsOptional() @IsText() username?: string;
  @IsOptional() @IsText() password?: string;
  @IsOptional() @IsInt() @Min(0) db = 0;
  @IsOptional() @Duration() dialtimeout = 5_000;
  @IsOptional() @Duration() readtimeout = 0;
  @IsOptional() @Duration() writetimeout = 0;
  @Section(() => RedisPoolConfig) pool: RedisPoolConfig = new RedisPoolConfig();
  @Section(() => RedisTlsConfig) tls: RedisTlsConfig = new RedisTlsConfig();
  /**
   * Ours: Sentinel. `sentinels` (host:port each, port 26379 by default) are asked where the master named
   * `mastername` is; `addr` is then not used. `password` and `username` are the master's (and the
   * sentinels', when they require one).
   */
  @IsOptional() @StringList() sentinels: string[] = [];
  @ValidateIf((redis: RedisConfig) => redis.sentinels.length > 0) @IsText() mastername?: string;
  /**
   * Ours: replicas that must hold a request's events before its answer (Redis WAIT, up to 1 s); where they do not
   * confirm, the events go to the local spool as well. With Sentinel set 1, so that a failover loses no event.
   */
  @IsOptional() @IsInt() @Min(0) minreplicas = 0;
  /** Ours: prefix of every key the queues and caches write. */
  @IsOptional() @IsText() prefix = 'registry';
}

/** Whether a Redis is configured at all (an address or sentinels). */
export function redisConfigured(redis: RedisConfig): boolean {
  return Boolean(redis.addr) || redis.sentinels.length > 0;
}
