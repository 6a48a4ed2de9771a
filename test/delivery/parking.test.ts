import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Envelope, Event } from '@app/events';
import { AttemptHistory, DeliveryKeys, EndpointStateStore } from '@app/records';
import { PARKING_READ_MS } from '@app/queue';
import { HttpReceiver, freePort, waitFor } from '@app/testing';
import { DeliveryQueues } from '../../apps/registry/src/notifications/delivery-queues.js';
import { DeliveryHarness, makeEvent, sleep, testConfig, type PlainEndpoint } from './delivery-harness.js';

/** The worker (DeliveryHarness) and the registry's producer side (DeliveryQueues) on one Redis and prefix. */
let harness: DeliveryHarness | undefined;
let queues: DeliveryQueues | undefined;
let receiver: HttpReceiver | undefined;

afterEach(async () => {
  await queues?.close();
  await harness?.close();
  await receiver?.stop();
  harness = undefined;
  queues = undefined;
  receiver = undefined;
});

/** The worker starts now unless `worker` is false (then `harness.pipeline.start()` starts it). */
async function start(endpoint: PlainEndpoint, worker = true): Promise<DeliveryHarness> {
  harness = new DeliveryHarness(testConfig([endpoint]));
  if (worker) await harness.pipeline.start();
  const client = new Redis({ host: '127.0.0.1', port: 6379, enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  queues = new DeliveryQueues(client, { prefix: harness.prefix, endpoints: [endpoint.name], eventLogLength: 10_000, eventLogMaxAge: 3_600_000 }, pino({ level: 'silent' }));
  await waitFor(() => queues!.ready, { what: 'the producer connection' });
  return harness;
}

/** Enqueues as the broadcaster does: `count` group commits of `perCommit` events each. */
async function enqueue(endpoint: string, count: number, perCommit = 1): Promise<Event[]> {
  const events = Array.from({ length: count * perCommit }, () => makeEvent());
  for (let at = 0; at < events.length; at += perCommit) {
    await queues!.enqueue([events.slice(at, at + perCommit).map((event) => ({ event, endpoints: [endpoint] }))]);
  }
  return events;
}

async function jobCount(endpoint: string): Promise<number> {
  const counts = await harness!.queue(endpoint).getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed');
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** Once the worker has flagged the endpoint, the registry follows the flag from the commit after its next reread. */
async function waitUntilParking(endpoint: string): Promise<void> {
  await waitFor(async () => (await harness!.redis.exists(DeliveryKeys.parking(harness!.prefix, endpoint))) === 1, { timeout: 15_000, what: 'the parking flag' });
  await sleep(PARKING_READ_MS + 100);
  await enqueue(endpoint, 1);
}

/**
 * With no worker running, a flag left by a worker that died makes the registry park: its first commit reads
 * the flags (and goes to the queue), the next `count` commits of `perCommit` events are parked. Returns those.
 */
async function parkedWithoutWorker(endpoint: string, count: number, perCommit = 1): Promise<Event[]> {
  await harness!.redis.set(DeliveryKeys.parking(harness!.prefix, endpoint), 'gone-worker', 'PX', 60_000);
  await enqueue(endpoint, 1);
  const parked = await enqueue(endpoint, count, perCommit);
  expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, endpoint))).toBe(count);
  return parked;
}

const receivedInOrder = (): string[] => receiver!.requests.flatMap((request) => (JSON.parse(request.body) as Envelope).events.map((event) => event.id));
const receivedIds = (): Set<string> => new Set(receivedInOrder());

describe('parking a dead endpoint', () => {
  it('parks the new events of an endpoint whose breaker is open instead of queueing jobs, and delivers every one once it is back', async () => {
    const port = await freePort();
    await start({ name: 'down', url: `http://127.0.0.1:${port}/events`, schedule: Array<string>(50).fill('1ms'), jitter: 0 });
    const before = await enqueue('down', 8);
    await waitUntilParking('down');
    const jobsBefore = await jobCount('down');

    const parked = await enqueue('down', 20);
    expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'down'))).toBe(20);
    expect(await jobCount('down')).toBe(jobsBefore);

    receiver = await HttpReceiver.start(port);
    const all = [...before, ...parked];
    await waitFor(() => all.every((event) => receivedIds().has(event.id)), { timeout: 20_000, what: 'every event at the receiver' });
    await waitFor(async () => (await harness!.redis.exists(DeliveryKeys.parking(harness!.prefix, 'down'))) === 0, { what: 'the flag cleared' });
    expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'down'))).toBe(0);
    expect(await harness!.redis.zcard(DeliveryKeys.deadLetters(harness!.prefix, 'down'))).toBe(0);
    // The parked events were delivered straight from the list, each once; none became a job.
    const jobs = await harness!.queue('down').getJobs(['completed', 'wait', 'delayed', 'active', 'failed'], 0, -1);
    expect(jobs.filter((job) => job.data.events.some((event) => parked.some((each) => each.id === event.id)))).toEqual([]);
    for (const event of parked) expect(receivedInOrder().filter((id) => id === event.id)).toHaveLength(1);
  }, 40_000);

  it('moves a parked job in to probe the endpoint with when the queue has none left', async () => {
    const port = await freePort();
    // No retries: the first events are dead-lettered at once and the queue empties while the breaker is open.
    await start({ name: 'gone', url: `http://127.0.0.1:${port}/events`, maxretries: 0 });
    await enqueue('gone', 6);
    await waitUntilParking('gone');
    const parked = await enqueue('gone', 10);

    receiver = await HttpReceiver.start(port);
    await waitFor(async () => (await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'gone'))) === 0, { timeout: 30_000, what: 'the parked list emptied' });
    await waitFor(async () => (await jobCount('gone')) - (await harness!.queue('gone').getCompletedCount()) - (await harness!.queue('gone').getFailedCount()) === 0, { timeout: 20_000, what: 'every job settled' });
    // Each parked event was delivered, or dead-lettered when it served as a failed probe before the receiver came.
    const dead = new Set(await harness!.redis.zrange(DeliveryKeys.deadLetters(harness!.prefix, 'gone'), '0', '-1'));
    for (const event of parked) expect(receivedIds().has(event.id) || dead.has(event.id)).toBe(true);
    expect(parked.filter((event) => receivedIds().has(event.id)).length).toBeGreaterThan(0);
  }, 60_000);

  it('does not follow a reading of the flags older than a second: after a quiet spell a commit goes to the queue', async () => {
    await start({ name: 'quiet', url: `http://127.0.0.1:${await freePort()}/events` }, false);
    const flag = DeliveryKeys.parking(harness!.prefix, 'quiet');
    await harness!.redis.set(flag, 'a-worker', 'PX', 60_000);
    await enqueue('quiet', 2); // the first commit reads the flag, the second follows it
    expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'quiet'))).toBe(1);

    await harness!.redis.del(flag);
    await sleep(4 * PARKING_READ_MS + 100);
    await enqueue('quiet', 1);
    expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'quiet'))).toBe(1);
    expect(await jobCount('quiet')).toBe(2);
  });

  // Ordered: parked while the endpoint was configured unordered, then the config changed; it never parks itself.
  it.each([false, true])('delivers what a registry parked while no worker ran once a worker starts (ordered: %s)', async (ordered) => {
    const port = await freePort();
    receiver = await HttpReceiver.start(port);
    await start({ name: 'back', url: `http://127.0.0.1:${port}/events`, ordered }, false);
    // A flag left by a worker that died: the registry parks until it lapses; a worker whose breaker is closed
    // delivers them (unordered: straight from the list; ordered: moved into the queue, in order).
    const parked = await parkedWithoutWorker('back', 5);

    await harness!.pipeline.start();
    await waitFor(() => parked.every((event) => receivedIds().has(event.id)), { timeout: 15_000, what: 'the parked events at the receiver' });
    expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'back'))).toBe(0);
    if (ordered) expect(receivedInOrder().filter((id) => parked.some((event) => event.id === id))).toEqual(parked.map((event) => event.id));
  }, 30_000);

  it('delivers parked group commits straight in envelopes of batch.size, all at once, with no job', async () => {
    const port = await freePort();
    receiver = await HttpReceiver.start(port);
    await start({ name: 'straight', url: `http://127.0.0.1:${port}/events`, batch: { size: 100, wait: '5ms' } }, false);
    const parked = await parkedWithoutWorker('straight', 26, 10);

    await harness!.pipeline.start();
    await waitFor(() => parked.every((event) => receivedIds().has(event.id)), { timeout: 15_000, what: 'the parked events at the receiver' });
    const parkedIds = new Set(parked.map((event) => event.id));
    const envelopes = receiver.requests.map((request) => (JSON.parse(request.body) as Envelope).events.map((event) => event.id)).filter((ids) => ids.some((id) => parkedIds.has(id)));
    expect(envelopes.map((ids) => ids.length).sort()).toEqual([100, 100, 60]);
    expect(envelopes.sort((a, b) => parked.findIndex((e) => e.id === a[0]) - parked.findIndex((e) => e.id === b[0])).flat()).toEqual(parked.map((event) => event.id));
    const jobs = await harness!.queue('straight').getJobs(['completed', 'wait', 'delayed', 'active', 'failed'], 0, -1);
    expect(jobs.map((job) => job.data.events.length)).toEqual([1]); // the commit that read the flag
    expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'straight'))).toBe(0);
  }, 30_000);

  it('makes parked events whose straight delivery failed a job that carries the attempt, retried on schedule', async () => {
    const port = await freePort();
    receiver = await HttpReceiver.start(port);
    await start({ name: 'again', url: `http://127.0.0.1:${port}/events`, batch: { size: 100, wait: '5ms' }, schedule: ['300ms', '300ms'], jitter: 0 }, false);
    const parked = await parkedWithoutWorker('again', 3, 2);
    const ids = parked.map((event) => event.id);
    // The first POST of the parked events fails (the commit that read the flag is a job and goes its own way).
    let failures = 0;
    receiver.responder = (request, response) => void response.writeHead(request.body.includes(ids[0]!) && failures++ === 0 ? 500 : 200).end();

    await harness!.pipeline.start();
    const posts = () => receiver!.requests.filter((request) => request.body.includes(ids[0]!));
    await waitFor(() => posts().length >= 2, { timeout: 15_000, what: 'the failed POST and its retry' });
    const [failed, retried] = posts();
    expect((JSON.parse(failed!.body) as Envelope).events.map((event) => event.id)).toEqual(ids);
    expect((JSON.parse(retried!.body) as Envelope).events.map((event) => event.id)).toEqual(ids);
    expect(retried!.receivedAt - failed!.receivedAt).toBeGreaterThanOrEqual(250);

    // Attempt 1 was the straight delivery, attempt 2 the job's: the schedule went on, it did not start again.
    const history = new AttemptHistory(harness!.redis, harness!.prefix, { attempts: 1000, maxage: 3_600_000 });
    await waitFor(async () => (await history.list('again', { eventId: ids[0]! })).attempts.length === 2, { what: 'both attempts recorded' });
    for (const id of ids) {
      const tries = (await history.list('again', { eventId: id })).attempts;
      expect(tries.map((each) => [each.attempt, each.outcome, each.status])).toEqual([
        [2, 'delivered', 200],
        [1, 'retry', 500],
      ]);
    }
    expect(await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'again'))).toBe(0);
    await sleep(500);
    expect(posts()).toHaveLength(2);
  }, 30_000);

  it('stops delivering parked events straight when a 410 disables the endpoint: the rest waits in its paused queue', async () => {
    const port = await freePort();
    receiver = await HttpReceiver.start(port);
    receiver.responder = (_request, response) => void response.writeHead(410).end();
    await start({ name: 'gone', url: `http://127.0.0.1:${port}/events`, batch: { size: 100, wait: '5ms' } }, false);
    const parked = await parkedWithoutWorker('gone', 250); // more entries than a round of straight delivery (200)
    await harness!.queue('gone').drain(); // the commit that read the flag: its 410 would pause the queue first

    await harness!.pipeline.start();
    await waitFor(async () => (await harness!.redis.llen(DeliveryKeys.parked(harness!.prefix, 'gone'))) === 0, { timeout: 15_000, what: 'the parked list emptied' });
    expect(await new EndpointStateStore(harness!.redis, harness!.prefix).get('gone')).toMatchObject({ state: 'disabled' });
    expect(await harness!.queue('gone').isPaused()).toBe(true);
    // The first round's events met the 410 (dead-lettered, as any event answered 410); the rest were moved in, untried.
    const dead = new Set(await harness!.redis.zrange(DeliveryKeys.deadLetters(harness!.prefix, 'gone'), '0', '-1'));
    const waiting = (await harness!.queue('gone').getJobs(['wait'], 0, -1)).flatMap((job) => job.data.events.map((event) => event.id));
    expect(parked.slice(0, 200).every((event) => dead.has(event.id))).toBe(true);
    expect(waiting).toEqual(expect.arrayContaining(parked.slice(200).map((event) => event.id)));
    expect(receivedIds().size).toBe(200);
  }, 30_000);

  it('joins parked group commits into jobs of up to 100 events, in order, each event in one job (ordered)', async () => {
    const port = await freePort();
    receiver = await HttpReceiver.start(port);
    await start({ name: 'joined', url: `http://127.0.0.1:${port}/events`, ordered: true }, false);
    const parked = await parkedWithoutWorker('joined', 26, 10);

    await harness!.pipeline.start();
    await waitFor(() => parked.every((event) => receivedIds().has(event.id)), { timeout: 15_000, what: 'the parked events at the receiver' });
    const jobs = await harness!.queue('joined').getJobs(['completed'], 0, -1);
    const moved = jobs.map((job) => job.data.events.map((event) => event.id)).filter((ids) => ids.length > 1);
    expect(moved.map((ids) => ids.length).sort()).toEqual([100, 100, 60]);
    expect(moved.sort((a, b) => parked.findIndex((e) => e.id === a[0]) - parked.findIndex((e) => e.id === b[0])).flat()).toEqual(parked.map((event) => event.id));
  }, 30_000);
});
