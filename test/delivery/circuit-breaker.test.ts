import { describe, expect, it } from 'vitest';
import { DeliveryKeys } from '@app/records';
import { HttpReceiver, freePort, waitFor } from '@app/testing';
import type { Envelope } from '@app/events';
import { closeAfterEach, DeliveryHarness, sleep } from './delivery-harness.js';

let harness: DeliveryHarness | undefined;
let receiver: HttpReceiver | undefined;

closeAfterEach(() => [harness, receiver]);

describe('circuit breaker', () => {
  it('holds events for a refusing endpoint, probing it on a schedule, and delivers all once it is back', async () => {
    const port = await freePort();
    // 50 immediate retries per event: without a breaker, 20 events would make hundreds of attempts in 2 s.
    harness = await DeliveryHarness.start([
      { name: 'down', url: `http://127.0.0.1:${port}/events`, schedule: Array<string>(50).fill('1ms'), jitter: 0 },
    ]);
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push((await harness.enqueue('down')).id);
    await sleep(2_500);
    const attempts = await harness.redis.xlen(DeliveryKeys.attempts(harness.prefix, 'down'));
    // failingafter (5) failures open it, plus the attempts in flight then, plus probes at ~1 s and ~3 s.
    expect(attempts).toBeGreaterThanOrEqual(5);
    expect(attempts).toBeLessThan(30);

    receiver = await HttpReceiver.start(port);
    await waitFor(() => receiver!.requests.length >= 20, { timeout: 20_000 });
    const received = new Set(receiver.requests.map((request) => (JSON.parse(request.body) as Envelope).events[0].id));
    expect([...received].sort()).toEqual([...sent].sort());
    expect(await harness.redis.zcard(DeliveryKeys.deadLetters(harness.prefix, 'down'))).toBe(0);
  }, 30_000);
});
