import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { HttpReceiver, RedisServer, waitFor } from '@app/testing';
import type { Envelope } from '@app/events';
import { addDeliveryJob, QueueNames, type DeliveryJob } from '@app/queue';
import { startWorker, type AppProcess } from '../support/index.js';
import { makeEvent, sleep } from './delivery-harness.js';

// The built worker as a real process (`npm run build` first; `npm test` does it) against a Redis of the
// test's own (AOF, fsync always), killed and restarted.

let cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

interface Setup {
  redis: RedisServer;
  rx: HttpReceiver;
  queue: Queue<DeliveryJob>;
  worker: () => Promise<AppProcess>;
}

async function setup(endpoint: Record<string, unknown>): Promise<Setup> {
  const redis = await RedisServer.start();
  cleanups.push(() => redis.stop());
  const rx = await HttpReceiver.start();
  cleanups.push(() => rx.stop());
  const client = new Redis({ port: redis.port, maxRetriesPerRequest: null, retryStrategy: () => 100 });
  client.on('error', () => undefined);
  const queue = new Queue<DeliveryJob>(QueueNames.delivery('hook'), { connection: client, prefix: 'registry' });
  cleanups.push(async () => {
    await queue.close();
    client.disconnect();
  });
  // Filesystem storage: `storage.inmemory: {}` fails validation at the moment (config lib).
  const storage = { filesystem: { rootdirectory: '/tmp/registry-worker-test' } };
  const config = {
    storage,
    redis: { addr: redis.addr },
    notifications: { endpoints: [{ name: 'hook', url: rx.url, ...endpoint }] },
  };
  const worker = async () => {
    const process = await startWorker({ config });
    cleanups.push(() => process.dispose());
    return process;
  };
  return { redis, rx, queue, worker };
}

const enqueue = (queue: Queue<DeliveryJob>, event = makeEvent()) => addDeliveryJob(queue, [event]).then(() => event);
const deliveredIds = (rx: HttpReceiver): Set<string> =>
  new Set(rx.bodies<Envelope>().flatMap((body) => body.events.map((event) => event.id)));

describe('worker process durability', () => {
  it('an event in flight when the worker is SIGKILLed still arrives, through a new worker', async () => {
    const { rx, queue, worker } = await setup({ timeout: '1500ms', schedule: ['100ms'] });
    let answer = false;
    rx.responder = (_request, response) => (answer ? void response.writeHead(200).end() : new Promise(() => undefined));
    const first = await worker();
    const event = await enqueue(queue);
    await waitFor(() => rx.requests.length === 1);
    await first.kill('SIGKILL');
    answer = true;
    await worker();
    await waitFor(() => rx.requests.length >= 2, { timeout: 40_000, what: 'redelivery after SIGKILL' });
    expect([...deliveredIds(rx)]).toEqual([event.id]);
    await waitFor(async () => (await queue.getCompletedCount()) === 1);
  }, 60_000);

  it('SIGTERM lets the attempt in flight finish, and a new worker takes what came meanwhile', async () => {
    const { rx, queue, worker } = await setup({ timeout: '5s' });
    rx.responder = async (_request, response) => {
      await sleep(800);
      response.writeHead(200).end();
    };
    const first = await worker();
    const event = await enqueue(queue);
    await waitFor(() => rx.requests.length === 1);
    const stopping = Date.now();
    await first.stop(10_000);
    // Nest re-raises SIGTERM once its shutdown hooks ran, so the exit is by signal, after the attempt.
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(300);
    expect(await queue.getJobState(event.id)).toBe('completed');
    expect(first.output).toContain('delivery stopped');
    const later = await enqueue(queue);
    await worker();
    await waitFor(() => deliveredIds(rx).has(later.id), { timeout: 10_000 });
    expect(rx.requests).toHaveLength(2);
  }, 60_000);

  it('every event arrives at least once across a Redis restart mid-stream', async () => {
    const { redis, rx, queue, worker } = await setup({
      schedule: ['100ms', '200ms', '500ms', '1s', '1s', '1s'],
      jitter: 0,
    });
    // Slow enough that some attempts are in flight when Redis dies.
    rx.responder = async (_request, response) => {
      await sleep(30);
      response.writeHead(200).end();
    };
    await worker();
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) sent.push((await enqueue(queue)).id);
    await redis.kill('SIGKILL');
    const during = Array.from({ length: 10 }, () => enqueue(queue));
    await sleep(300);
    await redis.restart();
    sent.push(...(await Promise.all(during)).map((event) => event.id));
    for (let i = 0; i < 20; i++) sent.push((await enqueue(queue)).id);
    await waitFor(() => sent.every((id) => deliveredIds(rx).has(id)), { timeout: 40_000, what: 'all 50 events' });
    expect(deliveredIds(rx).size).toBe(50);
  }, 60_000);
});
