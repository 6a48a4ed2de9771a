import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach, HttpReceiver, waitFor } from '@app/testing';
import type { Envelope, Event } from '@app/events';
import { DeliveryHarness, makeEvent } from './delivery-harness.js';

// The default ordering (`repository`): the events of one repository reach the endpoint in the order the
// registry accepted them; repositories go side by side, and a retry holds back only its own repository.

const cleanups = cleanupAfterEach(afterEach);

async function start(endpoint: Record<string, unknown>): Promise<{ rx: HttpReceiver; harness: DeliveryHarness }> {
  const rx = await HttpReceiver.start();
  cleanups.push(() => rx.stop());
  const harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, ...endpoint }]);
  cleanups.push(() => harness.close());
  return { rx, harness };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ordering: repository (the default)', () => {
  it('1,000 events over 20 repositories, to a slow receiver failing at random, arrive in order per repository', async () => {
    // distribution's retry keys: a retry every 5 ms, up to 100 (none runs out: nothing is dead-lettered).
    const { rx, harness } = await start({ concurrency: 8, threshold: 0, backoff: '5ms', maxretries: 100, jitter: 0 });
    const delivered: Event[] = [];
    const attempted: Event[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    rx.responder = async (request, response) => {
      const events = (JSON.parse(request.body) as Envelope).events as unknown as Event[];
      attempted.push(...events);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(Math.random() * 4);
      inFlight--;
      const fails = Math.random() < 0.25;
      if (!fails) delivered.push(...events);
      response.writeHead(fails ? 500 : 200).end();
    };
    const repositories = Array.from({ length: 20 }, (_, index) => `team/repo-${index}`);
    const sent: Event[] = [];
    // Jobs of 1 to 12 events each, as the registry's group commit makes them, repositories mixed.
    while (sent.length < 1_000) {
      const size = Math.min(1 + Math.floor(Math.random() * 12), 1_000 - sent.length);
      const group = Array.from({ length: size }, () =>
        makeEvent({ repository: repositories[Math.floor(Math.random() * 20)] }),
      );
      sent.push(...group);
      await harness.enqueueGroup('a', group);
    }
    await waitFor(() => new Set(delivered.map((event) => event.id)).size === 1_000, { timeout: 60_000, interval: 100 });

    const ofRepository = (events: Event[], repository: string) =>
      events.filter((event) => event.target.repository === repository).map((event) => event.id);
    for (const repository of repositories) {
      const expected = ofRepository(sent, repository);
      // Each event delivered once, in order; and no event was even tried before the one ahead was delivered.
      expect(ofRepository(delivered, repository)).toEqual(expected);
      const tried = ofRepository(attempted, repository).map((id) => expected.indexOf(id));
      expect(tried).toEqual([...tried].sort((a, b) => a - b));
    }
    // Repositories went side by side.
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(8);
  }, 90_000);

  it('a retry holds back the later events of its repository, not the others', async () => {
    const { rx, harness } = await start({ schedule: ['1s'], jitter: 0 });
    const stuck = makeEvent({ repository: 'team/stuck' });
    let failedOnce = false;
    rx.responder = (request, response) => {
      const [event] = (JSON.parse(request.body) as Envelope).events;
      const fail = event!.id === stuck.id && !failedOnce;
      if (fail) failedOnce = true;
      response.writeHead(fail ? 500 : 200).end();
    };
    const behind = makeEvent({ repository: 'team/stuck' });
    const others = Array.from({ length: 5 }, () => makeEvent({ repository: 'team/other' }));
    await harness.enqueueGroup('a', [stuck, behind, ...others]);
    const ids = () => rx.bodies<Envelope>().flatMap((body) => body.events.map((event) => event.id));
    // The other repository's events arrive while the stuck one waits for its retry (1 s), the one behind it waits.
    await waitFor(() => others.every((event) => ids().includes(event.id)), { timeout: 900 });
    expect(ids()).not.toContain(behind.id);
    await waitFor(() => ids().includes(behind.id), { timeout: 5_000 });
    expect(ids().filter((id) => id === stuck.id || id === behind.id)).toEqual([stuck.id, stuck.id, behind.id]);
  });
});
