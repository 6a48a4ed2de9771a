import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { AuditStore, auditEvent } from '@app/audit';
import { ConfigModule } from '@app/config';
import { LoggerModule } from '@app/logging';
import { addEventLogJob, QueueNames, type EventLogJob } from '@app/queue';
import { deleteKeys, TcpProxy, testPostgresSchema, testRedisClient, testRedisConfig, waitFor } from '@app/testing';
import { EventLogModule } from '../../apps/worker/src/event-log/event-log.module.js';
import { EventLogService } from '../../apps/worker/src/event-log/event-log.service.js';

const postgres = testPostgresSchema();
const proxy = new TcpProxy({ host: '127.0.0.1', port: 5432 });
const direct = AuditStore.open({ dialect: 'postgres', url: postgres.url, schema: postgres.schema });
let config: ReturnType<typeof testRedisConfig>;
let redis: ReturnType<typeof testRedisClient>;
let queue: Queue<EventLogJob>;
let app: INestApplicationContext;

const group = (size: number, at: number) =>
  Array.from({ length: size }, (_, i) => auditEvent({ at: at + i, action: 'pull', repository: 'team/app' }));
const count = async () => (await direct.stats('action', {}, 10)).reduce((sum, row) => sum + row.count, 0);

beforeAll(async () => {
  await proxy.start();
  const url = `postgres://postgres@127.0.0.1:${proxy.port}/test`;
  config = testRedisConfig({ audit: { postgres: { url, schema: postgres.schema } } });
  redis = testRedisClient(config);
  queue = new Queue<EventLogJob>(QueueNames.eventLog, { connection: redis, prefix: config.redis.prefix });
  EventLogService.auditRetryMs = 200;
  app = await startWorker(config);
});

/** The worker's event-log consumer, in this process. */
async function startWorker(workerConfig: typeof config): Promise<INestApplicationContext> {
  @Module({
    imports: [ConfigModule.forRoot(workerConfig), LoggerModule.forRoot(pino({ level: 'silent' })), EventLogModule],
  })
  class TestWorker {}
  const context = await NestFactory.createApplicationContext(TestWorker, { logger: false });
  await context.init();
  return context;
}

afterAll(async () => {
  await app?.close();
  await queue?.close();
  await proxy.stop();
  await direct.close();
  await deleteKeys(redis, config.redis.prefix);
  await redis.quit();
  await postgres.drop();
});

describe('the audit store fed from the event-log queue', () => {
  it('writes every event once, across a PostgreSQL outage, with jobs taken twice', async () => {
    const before = Array.from({ length: 20 }, (_, i) => group(5, Date.UTC(2026, 0, 1) + i * 10));
    for (const events of before) await addEventLogJob(queue, events);
    await waitFor(async () => (await count()) === 100, { what: '100 rows', timeout: 20_000 });

    await proxy.stop();
    const during = Array.from({ length: 30 }, (_, i) => group(4, Date.UTC(2026, 0, 2) + i * 10));
    for (const events of during) await addEventLogJob(queue, events);
    // The same events again in other jobs (a registry's spool flushed twice, say): no second row.
    await queue.add('log', { events: before[0]! }, { jobId: 'again-1' });
    await queue.add('log', { events: during[0]! }, { jobId: 'again-2' });
    await waitFor(async () => (await queue.getDelayedCount()) > 0, { what: 'jobs waiting', timeout: 20_000 });
    expect(await count()).toBe(100);
    expect(await queue.getFailedCount()).toBe(0);

    await proxy.start();
    await waitFor(
      async () => (await queue.getJobCounts('wait', 'delayed', 'active')).delayed === 0 && (await count()) === 220,
      {
        what: '220 rows',
        timeout: 30_000,
      },
    );
    const ids = [...before, ...during].flat().map((event) => event.id);
    const stored = [];
    for await (const row of direct.scan({})) stored.push(row.id);
    expect(stored.sort()).toEqual(ids.sort());
    expect(await queue.getFailedCount()).toBe(0);
  });

  it('starts while PostgreSQL is unreachable: the schema is made and the rows written once it is back', async () => {
    const late = testPostgresSchema();
    const lateProxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
    await lateProxy.stop();
    const url = `postgres://postgres@127.0.0.1:${lateProxy.port}/test`;
    const lateConfig = testRedisConfig({ audit: { postgres: { url, schema: late.schema } } });
    const lateRedis = testRedisClient(lateConfig);
    const lateQueue = new Queue<EventLogJob>(QueueNames.eventLog, {
      connection: lateRedis,
      prefix: lateConfig.redis.prefix,
    });
    const lateApp = await startWorker(lateConfig);
    const reader = AuditStore.open({ dialect: 'postgres', url: late.url, schema: late.schema });
    try {
      const events = group(10, Date.UTC(2026, 0, 3));
      await addEventLogJob(lateQueue, events);
      await waitFor(async () => (await lateQueue.getDelayedCount()) > 0, { what: 'the job waiting', timeout: 20_000 });
      await lateProxy.start();
      const stored = await waitFor(
        async () => {
          const page = await reader.page({}, { limit: 100 });
          return page.rows.length === 10 && page.rows;
        },
        { what: '10 rows', timeout: 30_000 },
      );
      expect(stored.map((row) => row.id).sort()).toEqual(events.map((event) => event.id).sort());
    } finally {
      await lateApp.close();
      await lateQueue.close();
      await lateProxy.stop();
      await reader.close();
      await deleteKeys(lateRedis, lateConfig.redis.prefix);
      await lateRedis.quit();
      await late.drop();
    }
  });
});
