import { describe, expect, it } from 'vitest';
import { HttpReceiver, waitFor } from '@app/testing';
import { AdminQueues, DeadLetterStore, EndpointStateStore, Redelivery, type DeadLetterEntry } from '@app/records';
import { closeAfterEach, DeliveryHarness, sleep } from './delivery-harness.js';

let harness: DeliveryHarness | undefined;
let rx: HttpReceiver | undefined;

closeAfterEach(() => [harness, rx]);

const gaps = (times: number[]): number[] => times.slice(1).map((time, index) => time - times[index]);
const arrivals = (receiver: HttpReceiver): number[] => receiver.requests.map((request) => request.receivedAt);

async function deadLetters(h: DeliveryHarness, endpoint: string): Promise<DeadLetterEntry[]> {
  return new DeadLetterStore(h.redis, h.prefix).list(endpoint);
}

describe('retry schedule', () => {
  it('follows an explicit schedule, then dead-letters with the last attempts and alerts', async () => {
    rx = await HttpReceiver.start();
    rx.responder = (_request, response) => void response.writeHead(500).end('down');
    harness = await DeliveryHarness.start(
      [{ name: 'a', url: rx.url, schedule: ['50ms', '300ms', '150ms'], jitter: 0 }],
      { alerts: { failingafter: 2 } },
    );
    const event = await harness.enqueue('a');
    await waitFor(async () => (await deadLetters(harness!, 'a')).length === 1, { timeout: 5_000 });
    expect(rx.requests).toHaveLength(4);
    const [g1, g2, g3] = gaps(arrivals(rx));
    expect(g1).toBeGreaterThanOrEqual(45);
    expect(g2).toBeGreaterThanOrEqual(290);
    expect(g3).toBeGreaterThanOrEqual(140);
    expect(g2).toBeGreaterThan(g1);
    expect(g2).toBeGreaterThan(g3);
    expect(g2).toBeLessThan(1_500);
    const [entry] = await deadLetters(harness, 'a');
    expect(entry.event.id).toBe(event.id);
    expect(entry.reason).toMatch(/retries exhausted after 4 attempts/);
    expect(entry.attempts.map((a) => a.attempt)).toEqual([4, 3, 2, 1]);
    expect(entry.attempts[0]).toMatchObject({ status: 500, response: 'down', outcome: 'gaveup' });
    expect(harness.alerts.kinds()).toEqual(['failing', 'deadLettered']);
    expect(await new EndpointStateStore(harness.redis, harness.prefix).get('a')).toMatchObject({
      state: 'failing',
      consecutiveFailures: 4,
      lastStatus: 500,
    });
  });

  it("keeps distribution's threshold (immediate retries) and backoff, bounded by maxretries", async () => {
    rx = await HttpReceiver.start();
    rx.responder = (_request, response) => void response.writeHead(503).end();
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, threshold: 2, backoff: '400ms', maxretries: 3, jitter: 0 },
    ]);
    await harness.enqueue('a');
    await waitFor(async () => (await deadLetters(harness!, 'a')).length === 1, { timeout: 5_000 });
    const [g1, g2, g3] = gaps(arrivals(rx));
    expect(rx.requests).toHaveLength(4);
    expect(g1).toBeLessThan(300);
    expect(g2).toBeLessThan(300);
    expect(g3).toBeGreaterThanOrEqual(390);
  });

  it('reports recovery after failing', async () => {
    rx = await HttpReceiver.start();
    let calls = 0;
    rx.responder = (_request, response) => void response.writeHead(++calls <= 3 ? 500 : 200).end();
    harness = await DeliveryHarness.start(
      [{ name: 'a', url: rx.url, schedule: ['20ms', '20ms', '20ms', '20ms'], jitter: 0 }],
      { alerts: { failingafter: 2 } },
    );
    await harness.enqueue('a');
    await waitFor(() => harness!.alerts.kinds().includes('recovered'), { timeout: 5_000 });
    expect(harness.alerts.kinds()).toEqual(['failing', 'recovered']);
    expect(harness.alerts.calls[1].alert).toMatchObject({ endpoint: 'a', failures: 3, lastStatus: 200 });
    expect(await new EndpointStateStore(harness.redis, harness.prefix).get('a')).toMatchObject({
      state: 'healthy',
      consecutiveFailures: 0,
    });
  });
});

describe('410 Gone', () => {
  it('stops at once, dead-letters the event, disables the endpoint and holds later events', async () => {
    rx = await HttpReceiver.start();
    rx.responder = (_request, response) => void response.writeHead(410).end();
    harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, schedule: ['10ms', '10ms'], concurrency: 1 }]);
    const gone = await harness.enqueue('a');
    await waitFor(async () => (await deadLetters(harness!, 'a')).length === 1);
    await sleep(200);
    await harness.enqueue('a');
    await sleep(300);
    expect(rx.requests).toHaveLength(1);
    expect((await deadLetters(harness, 'a'))[0]).toMatchObject({
      event: { id: gone.id },
      reason: 'endpoint answered 410 Gone',
    });
    expect(harness.alerts.kinds().sort()).toEqual(['deadLettered', 'disabled']);
    expect(await new EndpointStateStore(harness.redis, harness.prefix).get('a')).toMatchObject({ state: 'disabled' });
    expect(await harness.queue('a').isPaused()).toBe(true);
    expect(await harness.queue('a').getWaitingCount()).toBe(1);
  });
});

describe('Retry-After', () => {
  it('waits what a 429 asks', async () => {
    rx = await HttpReceiver.start();
    let calls = 0;
    rx.responder = (_request, response) =>
      void (++calls === 1 ? response.writeHead(429, { 'retry-after': '1' }).end() : response.writeHead(200).end());
    harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, schedule: ['10ms'], jitter: 0 }]);
    await harness.enqueue('a');
    await waitFor(() => rx!.requests.length === 2, { timeout: 5_000 });
    expect(gaps(arrivals(rx))[0]).toBeGreaterThanOrEqual(950);
  });

  it('bounds a long Retry-After by maxretryafter', async () => {
    rx = await HttpReceiver.start();
    let calls = 0;
    rx.responder = (_request, response) =>
      void (++calls === 1 ? response.writeHead(503, { 'retry-after': '3600' }).end() : response.writeHead(200).end());
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, schedule: ['10ms'], maxretryafter: '200ms', jitter: 0 },
    ]);
    await harness.enqueue('a');
    await waitFor(() => rx!.requests.length === 2, { timeout: 5_000 });
    const [gap] = gaps(arrivals(rx));
    expect(gap).toBeGreaterThanOrEqual(190);
    expect(gap).toBeLessThan(2_000);
  });
});

describe('dead-letter replay', () => {
  it('re-enqueues dead-lettered events with the same event id and webhook-id, and they arrive', async () => {
    rx = await HttpReceiver.start();
    let up = false;
    rx.responder = (_request, response) => void response.writeHead(up ? 200 : 500).end();
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, schedule: ['10ms'], jitter: 0, secret }]);
    const events = [await harness.enqueue('a'), await harness.enqueue('a'), await harness.enqueue('a')];
    const store = new DeadLetterStore(harness.redis, harness.prefix);
    await waitFor(async () => (await store.count('a')) === 3);
    const failedIds = rx.requests.map((request) => request.headers['webhook-id']);
    up = true;
    const before = rx.requests.length;
    const redelivery = new Redelivery(new AdminQueues(harness.redis, harness.config), store, {
      eventSource: { addr: 'test', instanceID: 'test' },
    });
    const one = await redelivery.replay('a', { ids: [events[1].id] });
    expect(one).toEqual([events[1].id]);
    await waitFor(() => rx!.requests.length === before + 1);
    expect(await store.count('a')).toBe(2);
    const replayed = rx.requests[before];
    expect(JSON.parse(replayed.body).events[0].id).toBe(events[1].id);
    expect(failedIds).toContain(replayed.headers['webhook-id']);
    const rest = await redelivery.replay('a', { from: 0, to: Date.now() });
    expect(rest.sort()).toEqual([events[0].id, events[2].id].sort());
    await waitFor(() => rx!.requests.length === before + 3);
    expect(await store.count('a')).toBe(0);
  });
});
