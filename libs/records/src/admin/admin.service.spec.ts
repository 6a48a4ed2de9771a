import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { ConfigModule, type RegistryConfig } from '@app/config';
import type { Event } from '@app/events';
import { DELIVERY_JOB_NAME, QueueNames, type DeliveryJob } from '@app/queue';
import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';
import { DeadLetterStore } from '../dead-letter-store.js';
import { DeliveryMetricsStore } from '../delivery-metrics.js';
import { EndpointStateStore } from '../endpoint-state.js';
import { AdminModule } from './admin.module.js';
import { AdminService } from './admin.service.js';
import { Redelivery } from './redelivery.js';

const source = { addr: 'registry.test:5000', instanceID: 'instance-1' };

@Module({})
class AdminTestModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: AdminTestModule,
      imports: [ConfigModule.forRoot(config), AdminModule.forRoot({ eventSource: source })],
    };
  }
}

const config = testRedisConfig({
  notifications: {
    endpoints: [
      { name: 'hook', url: 'http://user:secret@127.0.0.1:9/events' },
      { name: 'off', url: 'http://127.0.0.1:9/off', disabled: true },
    ],
  },
});
const prefix = config.redis.prefix;
const redis = testRedisClient(config);
const queue = new Queue<DeliveryJob>(QueueNames.delivery('hook'), { connection: redis, prefix });
let app: INestApplicationContext;
let admin: AdminService;
let redelivery: Redelivery;

beforeAll(async () => {
  app = await NestFactory.createApplicationContext(AdminTestModule.forRoot(config), { logger: false });
  admin = app.get(AdminService);
  redelivery = app.get(Redelivery);
});

afterAll(async () => {
  await app?.close();
  await queue.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function event(id = randomUUID()): Event {
  const request = { id: randomUUID(), addr: '', host: '', method: 'PUT', useragent: 'test' };
  return {
    id,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { repository: 'a/b' },
    request,
    actor: {},
    source,
  };
}

async function deadLetter(at: number): Promise<Event> {
  const dead = event();
  await new DeadLetterStore(redis, prefix).add({
    endpoint: 'hook',
    event: dead,
    reason: 'retries exhausted',
    at: new Date(at).toISOString(),
    attempts: [],
  });
  return dead;
}

describe('AdminService', () => {
  it('shows every configured endpoint in config order, credentials redacted, before any record', async () => {
    const [hook, off] = await admin.endpoints();
    expect(hook).toEqual({
      name: 'hook',
      url: 'http://redacted@127.0.0.1:9/events',
      configDisabled: false,
      paused: false,
      state: { state: 'healthy', consecutiveFailures: 0 },
      pending: { waiting: 0, delayed: 0, active: 0 },
      deadLetters: 0,
      counters: { events: 0, successes: 0, failures: 0, errors: 0, internalErrors: 0, deadLettered: 0 },
    });
    expect(off).toMatchObject({ name: 'off', configDisabled: true });
    expect(admin.endpoint('nope')).toBeUndefined();
  });

  it('adds up what the worker recorded: state, dead letters, counters, pending jobs', async () => {
    await new EndpointStateStore(redis, prefix).recordFailure('hook', 1, { status: 500, error: 'HTTP 500' });
    const metrics = new DeliveryMetricsStore(redis, prefix);
    const tx = redis.multi();
    metrics.countEvents(tx, 'hook', 'Events', 'push', 3);
    metrics.countEvents(tx, 'hook', 'Events', 'pull', 1);
    metrics.countEvents(tx, 'hook', 'Failures', 'push', 2);
    metrics.recordDeadLettered(tx, 'hook', 1);
    await tx.exec();
    await metrics.recordInternalError('hook');
    await deadLetter(1_000);
    await queue.add(DELIVERY_JOB_NAME, { events: [event()] });
    await queue.add(DELIVERY_JOB_NAME, { events: [event()] }, { delay: 60_000 });
    const overview = await admin.overview(admin.endpoint('hook')!);
    expect(overview).toMatchObject({
      state: { state: 'failing', consecutiveFailures: 1, lastStatus: 500 },
      deadLetters: 1,
    });
    expect(overview.pending).toEqual({ waiting: 1, delayed: 1, active: 0 });
    expect(overview.counters).toEqual({
      events: 4,
      successes: 0,
      failures: 2,
      errors: 0,
      internalErrors: 1,
      deadLettered: 1,
    });
    await queue.obliterate({ force: true });
  });

  it('enables an endpoint a 410 disabled: queue resumed, state healthy', async () => {
    await new EndpointStateStore(redis, prefix).disable('hook', 'endpoint answered 410 Gone');
    await queue.pause();
    const endpoint = admin.endpoint('hook')!;
    expect(await admin.overview(endpoint)).toMatchObject({ paused: true, state: { state: 'disabled' } });
    const enabled = await admin.enable(endpoint);
    expect(enabled).toMatchObject({ paused: false, state: { state: 'healthy', consecutiveFailures: 0 } });
    expect(await queue.isPaused()).toBe(false);
  });
});

describe('Redelivery', () => {
  it('replays dead letters as new jobs of the same events, and removes them from the set', async () => {
    const [older, newer] = [await deadLetter(2_000), await deadLetter(3_000)];
    expect(await redelivery.replay('hook', { ids: ['unknown'] })).toEqual([]);
    expect(await redelivery.replay('hook', { from: 2_000 })).toEqual([older.id, newer.id]);
    const jobs = await queue.getJobs(['wait']);
    expect(jobs.map((job) => job.data.events.map((item) => item.id)).sort()).toEqual([[older.id], [newer.id]].sort());
    expect(jobs.map((job) => job.id)).toEqual(expect.arrayContaining([expect.stringMatching(`^${older.id}-replay-`)]));
    expect(jobs.every((job) => job.name === DELIVERY_JOB_NAME)).toBe(true);
    expect((await admin.deadLetterList(admin.endpoint('hook')!, { from: 2_000 })).length).toBe(0);
    await queue.obliterate({ force: true });
  });

  it('enqueues a test push of test/webhook from the serving registry', async () => {
    const sent = await redelivery.test('hook', 'admin');
    expect(sent).toMatchObject({
      action: 'push',
      target: { repository: 'test/webhook', tag: 'test' },
      actor: { name: 'admin' },
      source,
    });
    expect(sent.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const job = await queue.getJob(sent.id);
    expect(job?.data.events).toEqual([sent]);
    await queue.obliterate({ force: true });
  });
});
