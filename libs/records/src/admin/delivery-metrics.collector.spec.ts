import { afterAll, describe, expect, it } from 'vitest';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { ConfigModule, type RegistryConfig } from '@app/config';
import { DELIVERY_JOB_NAME, QueueNames, type DeliveryJob } from '@app/queue';
import { deleteKeys, freePort, testRedisClient, testRedisConfig } from '@app/testing';
import { DeliveryMetricsStore } from '../delivery-metrics.js';
import { AdminModule } from './admin.module.js';
import { AdminService } from './admin.service.js';
import { DeliveryMetricsCollector } from './delivery-metrics.collector.js';

@Module({})
class CollectorTestModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    const eventSource = { addr: 'registry.test:5000', instanceID: 'collector-test' };
    return {
      module: CollectorTestModule,
      imports: [ConfigModule.forRoot(config), AdminModule.forRoot({ eventSource })],
    };
  }
}

const endpoints = [{ name: 'hook', url: 'http://127.0.0.1:9/' }];
const opened: INestApplicationContext[] = [];

async function start(config: RegistryConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CollectorTestModule.forRoot(config), { logger: false });
  opened.push(app);
  return app;
}

afterAll(async () => {
  for (const app of opened) await app.close();
});

describe('DeliveryMetricsCollector', () => {
  it('serves the recorded totals under distribution names, pending jobs and the latency histogram', async () => {
    const config = testRedisConfig({ notifications: { endpoints } });
    const { prefix } = config.redis;
    const redis = testRedisClient(config);
    const queue = new Queue<DeliveryJob>(QueueNames.delivery('hook'), { connection: redis, prefix });
    try {
      const store = new DeliveryMetricsStore(redis, prefix);
      const tx = redis.multi();
      store.countEvents(tx, 'hook', 'Successes', 'push', 2);
      store.recordResponses(tx, 'hook', [
        { status: 200, latencyMs: 3 },
        { status: 500, latencyMs: 30 },
      ]);
      store.recordDeadLettered(tx, 'hook', 1);
      await tx.exec();
      await queue.add(DELIVERY_JOB_NAME, { events: [] });
      const text = await (await (await start(config)).get(DeliveryMetricsCollector).collect()).metrics();
      expect(text).toContain('registry_notifications_events_total{type="Successes",action="push",endpoint="hook"} 2');
      expect(text).toContain('registry_notifications_status_total{code="500 Internal Server Error",endpoint="hook"} 1');
      expect(text).toContain('registry_notifications_pending_total{endpoint="hook"} 1');
      expect(text).toContain('registry_notifications_errors_total{endpoint="hook"} 0');
      expect(text).toContain('registry_notifications_deadlettered_total{endpoint="hook"} 1');
      expect(text).toContain('registry_notifications_deadletters{endpoint="hook"} 0');
      expect(text).toContain('registry_notifications_delivery_duration_seconds_bucket{le="0.005",endpoint="hook"} 1');
      expect(text).toContain('registry_notifications_delivery_duration_seconds_bucket{le="0.05",endpoint="hook"} 2');
      expect(text).toContain('registry_notifications_delivery_duration_seconds_bucket{le="+Inf",endpoint="hook"} 2');
      expect(text).toContain('registry_notifications_delivery_duration_seconds_count{endpoint="hook"} 2');
    } finally {
      await queue.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  });

  it('omits them, and the admin reads fail, while Redis does not answer', async () => {
    const config = testRedisConfig({ notifications: { endpoints }, redis: { addr: `127.0.0.1:${await freePort()}` } });
    const app = await start(config);
    const text = await (await app.get(DeliveryMetricsCollector).collect()).metrics();
    expect(text).not.toContain('endpoint="hook"');
    await expect(app.get(AdminService).endpoints()).rejects.toThrow();
  });
});
