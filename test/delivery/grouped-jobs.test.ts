import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach, HttpReceiver, waitFor, type Responder } from '@app/testing';
import type { Envelope } from '@app/events';
import { AttemptHistory, DeadLetterStore } from '@app/records';
import { deliveryJobId } from '@app/queue';
import { DeliveryHarness, makeEvent, type PlainEndpoint } from './delivery-harness.js';

// A job holding several events (the registry's group commit under load), on an endpoint that keeps no order:
// each event is sent and settled on its own, delivered ones leave the job, the rest follow the schedule.

const cleanups = cleanupAfterEach(afterEach);

/** A receiver (answering with `responder`, else 200) and the pipeline delivering endpoint `a` to it. */
async function start(
  endpoint: Omit<PlainEndpoint, 'name' | 'url'>,
  responder?: Responder,
): Promise<{ rx: HttpReceiver; harness: DeliveryHarness }> {
  const rx = await HttpReceiver.start();
  cleanups.push(() => rx.stop());
  if (responder) rx.responder = responder;
  const ordering = endpoint.ordered ? {} : { ordering: 'none' };
  const harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, ...ordering, ...endpoint }]);
  cleanups.push(() => harness.close());
  return { rx, harness };
}

/** Answers `status(id)` for the event id of a one-event envelope. */
const answering =
  (status: (id: string) => number): Responder =>
  (request, response) => {
    const [id] = (JSON.parse(request.body) as Envelope).events.map((event) => event.id);
    response.writeHead(status(id!)).end();
  };

const envelopes = (receiver: HttpReceiver): string[][] =>
  receiver.bodies<Envelope>().map((body) => body.events.map((event) => event.id));
const history = (h: DeliveryHarness) => new AttemptHistory(h.redis, h.prefix, { attempts: 1000, maxage: 3_600_000 });
const group = (count: number) => Array.from({ length: count }, () => makeEvent());

describe('a job holding a group of events', () => {
  it('sends one envelope per event by default, records one attempt each, and completes', async () => {
    const { rx, harness } = await start({});
    const events = await harness.enqueueGroup('a', group(5));
    await waitFor(() => rx.requests.length === 5);
    expect(envelopes(rx).sort()).toEqual(events.map((event) => [event.id]).sort());
    await waitFor(async () => (await harness.queue('a').getJobState(deliveryJobId(events))) === 'completed');
    const { attempts } = await history(harness).list('a');
    expect(attempts.map((attempt) => attempt.eventId).sort()).toEqual(events.map((event) => event.id).sort());
    expect(attempts.every((attempt) => attempt.attempt === 1 && attempt.outcome === 'delivered')).toBe(true);
  });

  it('keeps at most `concurrency` requests in flight, each timed from when it goes out, not from its place in line', async () => {
    let inFlight = 0;
    let most = 0;
    const { rx, harness } = await start({ concurrency: 2, timeout: '250ms' }, async (_request, response) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 150));
      inFlight--;
      response.writeHead(200).end();
    });
    // 8 envelopes, 2 at a time, 150 ms each: the last goes out about 450 ms after the first.
    const events = await harness.enqueueGroup('a', group(8));
    await waitFor(async () => (await harness.queue('a').getJobState(deliveryJobId(events))) === 'completed', {
      timeout: 5_000,
    });
    expect(rx.requests).toHaveLength(8);
    expect(most).toBe(2);
    const { attempts } = await history(harness).list('a');
    expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual(events.map(() => [1, 'delivered']));
  });

  it('splits it into envelopes of batch.size, in order', async () => {
    const { rx, harness } = await start({ batch: { size: 3, wait: '1ms' }, ordered: true });
    const events = await harness.enqueueGroup('a', group(7));
    await waitFor(() => rx.requests.length === 3);
    const ids = events.map((event) => event.id);
    expect(envelopes(rx)).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
  });

  it('retries only the events that failed: the others arrive once, the job keeps the rest', async () => {
    const events = group(4);
    const failing = events[2]!.id;
    let failures = 2;
    const { rx, harness } = await start(
      { schedule: ['100ms', '100ms', '100ms'], jitter: 0 },
      answering((id) => (id === failing && failures-- > 0 ? 500 : 200)),
    );
    await harness.enqueueGroup('a', events);
    await waitFor(() => rx.requests.length === 4);
    const job = await harness.queue('a').getJob(deliveryJobId(events));
    await waitFor(async () => (await harness.queue('a').getJob(job!.id!))!.data.events.length === 1);
    expect((await harness.queue('a').getJob(job!.id!))!.data.events.map((event) => event.id)).toEqual([failing]);
    await waitFor(() => rx.requests.length === 6, { timeout: 5_000 });
    await waitFor(async () => (await job!.getState()) === 'completed');
    const counts = new Map<string, number>();
    for (const [id] of envelopes(rx)) counts.set(id!, (counts.get(id!) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual(
      Object.fromEntries(events.map((event) => [event.id, event.id === failing ? 3 : 1])),
    );
    const attempts = (await history(harness).list('a')).attempts.filter((attempt) => attempt.eventId === failing);
    expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
      [3, 'delivered'],
      [2, 'retry'],
      [1, 'retry'],
    ]);
  });

  it('dead-letters an event whose retries run out while its group mates are delivered', async () => {
    const events = group(3);
    const poison = events[1]!.id;
    const { rx, harness } = await start(
      { schedule: ['20ms'], jitter: 0 },
      answering((id) => (id === poison ? 400 : 200)),
    );
    await harness.enqueueGroup('a', events);
    const store = new DeadLetterStore(harness.redis, harness.prefix);
    await waitFor(async () => (await store.list('a')).length === 1, { timeout: 5_000 });
    const [entry] = await store.list('a');
    expect(entry!.event.id).toBe(poison);
    expect(entry!.attempts.map((attempt) => attempt.attempt)).toEqual([2, 1]);
    const job = await harness.queue('a').getJob(deliveryJobId(events));
    // Every event settled (two delivered, one dead-lettered): the job is done; the dead letter keeps the event.
    await waitFor(async () => (await job!.getState()) === 'completed');
    expect(
      envelopes(rx)
        .flat()
        .filter((id) => id !== poison)
        .sort(),
    ).toEqual([events[0]!.id, events[2]!.id].sort());
  });

  it('on an ordered endpoint, stops at the first failure and keeps the line in order', async () => {
    const events = group(4);
    let failures = 1;
    const { rx, harness } = await start(
      { ordered: true, schedule: ['50ms'], jitter: 0 },
      answering((id) => (id === events[1]!.id && failures-- > 0 ? 503 : 200)),
    );
    await harness.enqueueGroup('a', events);
    await waitFor(() => rx.requests.length === 5, { timeout: 5_000 });
    const ids = events.map((event) => event.id);
    expect(envelopes(rx).flat()).toEqual([ids[0], ids[1], ids[1], ids[2], ids[3]]);
  });
});
