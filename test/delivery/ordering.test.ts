import { describe, expect, it } from 'vitest';
import { HttpReceiver, waitFor } from '@app/testing';
import type { Envelope } from '@app/events';
import { closeAfterEach, DeliveryHarness, sleep } from './delivery-harness.js';

let harness: DeliveryHarness | undefined;
let rx: HttpReceiver | undefined;

closeAfterEach(() => [harness, rx]);

const eventIds = (receiver: HttpReceiver): string[] =>
  receiver.bodies<Envelope>().flatMap((body) => body.events.map((event) => event.id));

/** Answers after `ms`, counting requests in flight. */
function stallingResponder(
  receiver: HttpReceiver,
  ms: number,
  status: (id: string) => number = () => 200,
): { max: () => number } {
  let inFlight = 0;
  let max = 0;
  receiver.responder = async (request, response) => {
    inFlight += 1;
    max = Math.max(max, inFlight);
    await sleep(ms);
    inFlight -= 1;
    const id = (JSON.parse(request.body) as Envelope).events[0].id;
    response.writeHead(status(id)).end();
  };
  return { max: () => max };
}

describe('ordered endpoints', () => {
  it('deliver strictly first in first out, one in flight, a failing event holding the line', async () => {
    rx = await HttpReceiver.start();
    let firstFailures = 2;
    let first = '';
    const flight = stallingResponder(rx, 5, (id) => (id === first && firstFailures-- > 0 ? 500 : 200));
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, ordered: true, concurrency: 8, schedule: ['100ms', '100ms', '100ms'], jitter: 0 },
    ]);
    await harness.pipeline.close();
    const events = [];
    for (let i = 0; i < 10; i++) events.push(await harness.enqueue('a'));
    first = events[0].id;
    await harness.restartPipeline();
    await waitFor(() => rx!.requests.length === 12, { timeout: 10_000 });
    const ids = eventIds(rx);
    expect(ids.slice(0, 3)).toEqual([first, first, first]);
    expect(ids.slice(2)).toEqual(events.map((event) => event.id));
    expect(flight.max()).toBe(1);
    expect(rx.requests[3].receivedAt - rx.requests[0].receivedAt).toBeGreaterThanOrEqual(190);
  });
});

describe('ordered lanes with batching', () => {
  it('retry a failed batch whole and keep the order of the events (one repository, jobs of one event)', async () => {
    rx = await HttpReceiver.start();
    let calls = 0;
    rx.responder = (_request, response) => void response.writeHead(++calls === 1 ? 500 : 200).end();
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, schedule: ['100ms'], jitter: 0, batch: { size: 3, wait: '20ms' } },
    ]);
    await harness.pipeline.close();
    const events = [];
    for (let i = 0; i < 7; i++) events.push(await harness.enqueue('a'));
    await harness.restartPipeline();
    await waitFor(() => rx!.requests.length === 4, { timeout: 10_000 });
    await sleep(100);
    expect(await harness.queue('a').getWaitingCount()).toBe(0);
    const batches = rx.bodies<Envelope>().map((body) => body.events.map((event) => event.id));
    const ids = events.map((event) => event.id);
    expect(batches).toEqual([ids.slice(0, 3), ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
  });
});

describe('unordered endpoints', () => {
  it('deliver up to `concurrency` events at once', async () => {
    rx = await HttpReceiver.start();
    const flight = stallingResponder(rx, 200);
    harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, concurrency: 4, ordering: 'none' }]);
    for (let i = 0; i < 12; i++) await harness.enqueue('a');
    await waitFor(() => rx!.requests.length === 12, { timeout: 10_000 });
    expect(flight.max()).toBeLessThanOrEqual(4);
    expect(flight.max()).toBeGreaterThanOrEqual(3);
  });
});

describe('batching', () => {
  it('sends up to batch.size events per envelope, each once', async () => {
    rx = await HttpReceiver.start();
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, concurrency: 1, batch: { size: 5, wait: '50ms' } },
    ]);
    await harness.pipeline.close();
    const events = [];
    for (let i = 0; i < 12; i++) events.push(await harness.enqueue('a'));
    await harness.restartPipeline();
    await waitFor(async () => (await harness!.queue('a').getCompletedCount()) === 12, { timeout: 10_000 });
    const sizes = rx.bodies<Envelope>().map((body) => body.events.length);
    expect(sizes).toEqual([5, 5, 2]);
    expect([...eventIds(rx)].sort()).toEqual(events.map((event) => event.id).sort());
  });

  it('retries a failed batch, every event of it', async () => {
    rx = await HttpReceiver.start();
    let calls = 0;
    rx.responder = (_request, response) => void response.writeHead(++calls === 1 ? 500 : 200).end();
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, concurrency: 1, schedule: ['50ms'], jitter: 0, batch: { size: 4, wait: '20ms' } },
    ]);
    await harness.pipeline.close();
    const events = [];
    for (let i = 0; i < 4; i++) events.push(await harness.enqueue('a'));
    await harness.restartPipeline();
    await waitFor(async () => (await harness!.queue('a').getCompletedCount()) === 4, { timeout: 10_000 });
    const first = rx.bodies<Envelope>()[0].events.map((event) => event.id);
    expect(first).toEqual(events.map((event) => event.id));
    const delivered = new Set(
      rx
        .bodies<Envelope>()
        .slice(1)
        .flatMap((body) => body.events.map((event) => event.id)),
    );
    expect([...delivered].sort()).toEqual(first.sort());
  });
});
