import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '@app/events';
import { waitFor, cleanupAfterEach } from '@app/testing';
import { expectDistributionEnvelopes } from './envelope-checks.js';
import { headPulls, ImageSet } from './images.js';
import { SystemUnderTest, startHookSystem } from './system-harness.js';
import { WebhookSink } from './webhook-sink.js';

// Redis is down while clients push: pushes succeed and stay fast, the registry keeps the events in its spool
// (under the storage root), and once Redis is back every event is enqueued exactly once and delivered.

const cleanups = cleanupAfterEach(afterEach);

/** A generous bound on one request's server-side duration: waiting on Redis would show as seconds. */
const SLOWEST_REQUEST_MS = 2_000;

/** Events waiting in the registry's spool (`<storage root>/_spool`, `.spool` and `.flushing` files). */
function spooledEvents(system: SystemUnderTest): Event[] {
  const dir = join(system.registry.root!, '_spool');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.spool') || file.endsWith('.flushing'))
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean))
    .map((line) => (JSON.parse(line) as { event: Event }).event);
}

async function setup(): Promise<{ images: ImageSet; sink: WebhookSink; system: SystemUnderTest }> {
  const { images, sink, system } = await startHookSystem(cleanups, { images: 6, sink: 'ok' });
  // A first push delivered while everything is up, its jobs completed: a job still active when Redis dies is
  // rightly delivered again later (at-least-once), which would blur the exactly-once checks below.
  await images.push(system.registry, 0);
  await sink.waitForAll(await system.acceptedIds(images.eventsPerPush), 20_000);
  await waitFor(async () => (await system.queue('hook').getCompletedCount()) === images.eventsPerPush, {
    what: 'the first jobs completed',
  });
  return { images, sink, system };
}

/** Each accepted event is one job, one event-log entry, one attempt, one request at the sink (it always answers 200). */
async function expectExactlyOnce(system: SystemUnderTest, sink: WebhookSink, accepted: Set<string>): Promise<void> {
  const jobIds = await system.jobIds('hook');
  expect(jobIds).toHaveLength(accepted.size);
  expect(new Set(jobIds)).toEqual(accepted);
  expect((await system.eventLog()).map((event) => event.id).sort()).toEqual([...accepted].sort());
  // The worker records an attempt after the sink answered it: wait for the records, then compare.
  const delivered = async () =>
    (await system.attempts('hook'))
      .filter((attempt) => attempt.outcome === 'delivered')
      .map((attempt) => attempt.eventId);
  await waitFor(async () => (await delivered()).length >= accepted.size, {
    timeout: 10_000,
    what: 'the delivered attempts recorded',
  });
  expect((await delivered()).sort()).toEqual([...accepted].sort());
  expect([...sink.counts().values()].every((count) => count === 1)).toBe(true);
}

describe('system: Redis down during pushes', () => {
  it('pushes succeed and stay fast, events wait in the spool, then arrive, each enqueued once', async () => {
    const { images, sink, system } = await setup();
    const linesBefore = system.requestDurations().length;
    await system.redis.kill('SIGKILL');

    const pushTimes: number[] = [];
    for (let index = 1; index < images.images.length; index++)
      pushTimes.push(await images.push(system.registry, index));
    const pulls = await headPulls(system.registry, 'system/app', 'img-1', 10);
    expect(pulls).toBe(10);
    const requests = system.requestDurations().slice(linesBefore);
    const slowest = requests.reduce((max, request) => (request.ms > max.ms ? request : max));
    console.log(
      `Redis down: ${requests.length} requests, slowest ${slowest.ms.toFixed(1)} ms (${slowest.method} ${slowest.uri}); skopeo pushes ${pushTimes.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    );
    expect(requests.every((request) => request.status < 500)).toBe(true);
    expect(slowest.ms).toBeLessThan(SLOWEST_REQUEST_MS);

    const during = (images.images.length - 1) * images.eventsPerPush + pulls;
    expect(spooledEvents(system)).toHaveLength(during);
    expect(sink.ids().size).toBe(images.eventsPerPush);

    await system.redis.restart();
    const accepted = await system.acceptedIds(images.eventsPerPush + during);
    await sink.waitForAll(accepted, 30_000);
    expect(accepted.size).toBe(images.eventsPerPush + during);
    expect(spooledEvents(system)).toEqual([]);
    await expectExactlyOnce(system, sink, accepted);
    expectDistributionEnvelopes(sink);
  }, 60_000);

  it('a registry killed (SIGKILL) and restarted while Redis is still down keeps its spool and flushes it once Redis is back', async () => {
    const { images, sink, system } = await setup();
    await system.redis.kill('SIGKILL');
    await images.push(system.registry, 1);
    await images.push(system.registry, 2);
    expect(spooledEvents(system)).toHaveLength(2 * images.eventsPerPush);

    // Spooled events were fsync'd before the requests that made them answered: a crash keeps them.
    await system.registry.kill('SIGKILL');
    await system.registry.start();
    await images.push(system.registry, 3);
    expect(spooledEvents(system)).toHaveLength(3 * images.eventsPerPush);

    await system.redis.restart();
    const accepted = await system.acceptedIds(4 * images.eventsPerPush);
    await sink.waitForAll(accepted, 30_000);
    expect(accepted.size).toBe(4 * images.eventsPerPush);
    expect(new Set(sink.events().map((event) => event.source.instanceID)).size).toBe(2);
    await expectExactlyOnce(system, sink, accepted);
    expectDistributionEnvelopes(sink);
  }, 60_000);

  it('a worker started while Redis is down waits for it, then delivers everything', async () => {
    const { images, sink, system } = await setup();
    await system.worker.stop();
    await images.push(system.registry, 1);
    await system.redis.kill('SIGKILL');
    await images.push(system.registry, 2);
    const worker = await system.startWorker(() => Promise.resolve());
    await system.redis.restart();
    await worker.waitForOutput('worker started', 20_000);
    const accepted = await system.acceptedIds(3 * images.eventsPerPush);
    await sink.waitForAll(accepted, 30_000);
    expect(accepted.size).toBe(3 * images.eventsPerPush);
    await expectExactlyOnce(system, sink, accepted);
  }, 60_000);

  it('a hung Redis (SIGSTOP) does not hold pushes up (the enqueue timeout, then the spool); the events arrive after SIGCONT', async () => {
    const { images, sink, system } = await setup();
    const pid = Number(/process_id:(\d+)/.exec(await system.client.info('server'))![1]);
    const linesBefore = system.requestDurations().length;
    process.kill(pid, 'SIGSTOP');
    try {
      for (let index = 1; index < 4; index++) await images.push(system.registry, index);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const slowest = Math.max(
      ...system
        .requestDurations()
        .slice(linesBefore)
        .map((request) => request.ms),
    );
    console.log(`Redis stopped (SIGSTOP): slowest request ${slowest.toFixed(1)} ms (enqueuetimeout 250 ms)`);
    expect(slowest).toBeLessThan(SLOWEST_REQUEST_MS);
    const accepted = await system.acceptedIds(4 * images.eventsPerPush);
    await sink.waitForAll(accepted, 30_000);
    expect(accepted.size).toBe(4 * images.eventsPerPush);
    expect(new Set(await system.jobIds('hook'))).toEqual(accepted);
  }, 60_000);
});
