import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { fromObject, type RegistryConfig } from '@app/config';
import { createRedis } from '@app/redis';

/** The Redis the tests share (a real redis-server): `TEST_REDIS_ADDR`, else 127.0.0.1:6379. */
export const TEST_REDIS_ADDR = process.env.TEST_REDIS_ADDR ?? '127.0.0.1:6379';

/**
 * A config on the shared test Redis with a key prefix of its own (`test-<8 hex>`), so tests that run at
 * the same time never see each other's keys, and an audit store (SQLite) of its own under the temp dir unless
 * `raw.audit` says otherwise. `raw` is merged in at the top level.
 */
export function testRedisConfig(raw: Record<string, unknown> = {}): RegistryConfig {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  return fromObject({
    version: '0.1',
    storage: { inmemory: {} },
    audit: { path: join(tmpdir(), `registry-audit-${prefix}.db`) },
    ...raw,
    redis: { addr: TEST_REDIS_ADDR, prefix, ...(raw.redis as object | undefined) },
  });
}

/** A client of the test Redis, as the worker opens one (commands wait through reconnects). */
export function testRedisClient(config: RegistryConfig): Redis {
  return createRedis(config.redis, 'worker');
}

/** Deletes every key under `prefix:` (SCAN, not KEYS). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
