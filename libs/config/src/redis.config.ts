import { IsBoolean, IsInt, IsOptional, Min } from 'class-validator';
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

export class RedisSentinelConfig {
  @IsText() mastername!: string;
  @StringList() addrs!: string[];
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
  @Section(() => RedisSentinelConfig) sentinel?: RedisSentinelConfig;
  /** Ours: prefix of every key the queues and caches write. */
  @IsOptional() @IsText() prefix = 'registry';
}
