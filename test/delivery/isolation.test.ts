import { afterEach, describe, expect, it } from 'vitest';
import { HttpReceiver, freePort, waitFor } from '@app/testing';
import type { Envelope } from '@app/events';
import { DeliveryHarness, sleep } from './delivery-harness.js';

let harness: DeliveryHarness | undefined;
let receivers: HttpReceiver[] = [];

afterEach(async () => {
  await harness?.close();
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  harness = undefined;
  receivers = [];
});

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Sends `count` events to `healthy` (and as many to `other`), one every 10 ms; returns the healthy latencies. */
async function healthyLatencies(h: DeliveryHarness, rx: HttpReceiver, other: string, count = 40): Promise<number[]> {
  const sent = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    await h.enqueue(other);
    const event = await h.enqueue('healthy');
    sent.set(event.id, Date.now());
    await sleep(10);
  }
  await waitFor(() => rx.requests.length >= count, { timeout: 10_000 });
  return rx.requests.map(
    (request) => request.receivedAt - sent.get((JSON.parse(request.body) as Envelope).events[0].id)!,
  );
}

describe('isolation', () => {
  it('a stalled endpoint does not slow a healthy one', async () => {
    const healthy = await HttpReceiver.start();
    const stalled = await HttpReceiver.start();
    receivers.push(healthy, stalled);
    stalled.responder = () => new Promise(() => undefined);
    harness = await DeliveryHarness.start([
      { name: 'healthy', url: healthy.url },
      { name: 'stalled', url: stalled.url, timeout: '2s', schedule: ['10ms'] },
    ]);
    const latencies = await healthyLatencies(harness, healthy, 'stalled');
    expect(stalled.requests.length).toBeGreaterThan(0);
    expect(median(latencies)).toBeLessThan(50);
  });

  it('an endpoint that refuses connections does not slow a healthy one', async () => {
    const healthy = await HttpReceiver.start();
    receivers.push(healthy);
    harness = await DeliveryHarness.start([
      { name: 'healthy', url: healthy.url },
      { name: 'refused', url: `http://127.0.0.1:${await freePort()}/`, schedule: ['1ms', '1ms', '1ms'], jitter: 0 },
    ]);
    const latencies = await healthyLatencies(harness, healthy, 'refused');
    expect(median(latencies)).toBeLessThan(50);
  });
});
