import type { Provider } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RegistryConfig } from '@app/config';
import { createRedis } from '@app/redis';
import { AttemptHistory } from '../attempt-history.js';
import { DeadLetterStore } from '../dead-letter-store.js';
import { DeliveryMetricsStore } from '../delivery-metrics.js';
import { EndpointStateStore } from '../endpoint-state.js';
import { AuditStore, auditLocation } from '@app/audit';
import { AdminOptions } from './admin-options.js';

/** Commands wait for a (re)connection, but at most this long: the admin API answers 503 then. */
export const ADMIN_COMMAND_TIMEOUT_MS = 3_000;

function store<T>(provide: new (...args: never[]) => T, make: (redis: Redis, config: RegistryConfig) => T): Provider {
  return { provide, useFactory: make, inject: [Redis, RegistryConfig] };
}

/** The admin plane's one Redis connection, the record stores over it, and the audit store. */
export const adminRecordsProviders: Provider[] = [
  {
    provide: Redis,
    useFactory: (config: RegistryConfig, options: AdminOptions) => {
      const name = `registry-admin-${options.eventSource.instanceID}`;
      const redis = createRedis(config.redis, 'admin', { commandTimeout: ADMIN_COMMAND_TIMEOUT_MS, name });
      redis.on('error', () => undefined);
      return redis;
    },
    inject: [RegistryConfig, AdminOptions],
  },
  store(AttemptHistory, (redis, { redis: { prefix }, notifications: { history } }) => {
    return new AttemptHistory(redis, prefix, { attempts: history.attempts, maxage: history.maxage });
  }),
  store(DeadLetterStore, (redis, config) => new DeadLetterStore(redis, config.redis.prefix)),
  store(EndpointStateStore, (redis, config) => new EndpointStateStore(redis, config.redis.prefix)),
  store(DeliveryMetricsStore, (redis, config) => new DeliveryMetricsStore(redis, config.redis.prefix)),
  // The audit store the worker writes, read by the event and audit queries (closed by AdminModule).
  {
    provide: AuditStore,
    useFactory: (config: RegistryConfig) => AuditStore.open(auditLocation(config)),
    inject: [RegistryConfig],
  },
];
