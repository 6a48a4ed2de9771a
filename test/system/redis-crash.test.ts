import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, cleanupAfterEach } from '@app/testing';
import { expectDistributionEnvelopes, TEST_SECRET } from './envelope-checks.js';
import { headPulls, ImageSet } from './images.js';
import { SystemUnderTest, startHookSystem } from './system-harness.js';

// Redis (own instance, AOF with appendfsync always) dies by SIGKILL and comes back while skopeo pushes and
// HEAD pulls go on and the worker is delivering: every event the registry accepted arrives.

const cleanups = cleanupAfterEach(afterEach);

/** Pushes every image in turn, each followed by a few HEAD pulls of it; counts what succeeded. */
class Load {
  pushes = 0;
  pulls = 0;
  readonly done: Promise<void>;

  constructor(images: ImageSet, system: SystemUnderTest) {
    this.done = (async () => {
      for (let index = 0; index < images.images.length; index++) {
        await images.push(system.registry, index);
        this.pushes += 1;
        this.pulls += await headPulls(system.registry, 'system/app', `img-${index}`, 3);
      }
    })();
  }
}

describe('system: Redis killed and restarted mid-stream', () => {
  it('every accepted event arrives although Redis died by SIGKILL during pushes and deliveries', async () => {
    const { images, sink, system } = await startHookSystem(cleanups, {
      images: 8,
      sink: 'ok',
      endpoint: { secret: [TEST_SECRET] },
    });
    sink.delayMs = 20;

    const load = new Load(images, system);
    cleanups.push(() => load.done.catch(() => undefined));
    await waitFor(() => sink.ids().size >= 5, { timeout: 20_000, what: 'the first deliveries' });
    await system.redis.kill('SIGKILL');
    const pushesAtKill = load.pushes;
    // Keep Redis down while two whole pushes and their pulls go through the registry.
    await waitFor(() => load.pushes >= pushesAtKill + 2, { timeout: 20_000, what: 'pushes while Redis is down' });
    await system.redis.restart();
    await load.done;

    expect(load.pushes).toBe(images.images.length);
    const expected = load.pushes * images.eventsPerPush + load.pulls;
    const accepted = await system.acceptedIds(expected, 30_000);
    expect(accepted.size).toBe(expected);
    await sink.waitForAll(accepted, 40_000);
    expect([...sink.ids()].every((id) => accepted.has(id))).toBe(true);
    expect(await system.deadLetterCount('hook')).toBe(0);
    // The outage was seen: what the registry accepted meanwhile went through its spool.
    expect(system.registry.output).toContain('notification spool flushed into redis');
    expectDistributionEnvelopes(sink, TEST_SECRET);
  }, 60_000);
});
