import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@app/testing';

import { NotificationPipeline } from '../../apps/registry/src/notifications/notification-pipeline.js';
import {
  builder,
  endpoint,
  pushEvent,
  request,
  RedisInspector,
  silentLogger,
  testConfig,
  uniquePrefix,
} from './support.js';

const REDIS = '127.0.0.1:6379';

describe('Broadcaster against a real Redis', () => {
  let prefix: string;
  let spool: ReturnType<typeof tempDir>;
  let pipeline: NotificationPipeline;
  let redis: RedisInspector;

  beforeEach(async () => {
    prefix = uniquePrefix();
    spool = tempDir('spool-');
    const config = testConfig({
      redisAddr: REDIS,
      prefix,
      spooldir: spool.path,
      endpoints: [
        endpoint('all'),
        endpoint('no pulls', { ignore: { actions: ['pull'] } }),
        endpoint('other', { repositories: { include: ['other/**'] } }),
        endpoint('off', { disabled: true }),
      ],
    });
    pipeline = new NotificationPipeline(config, silentLogger);
    await pipeline.onApplicationBootstrap();
    // Until the producer connection is up, events go to the spool (covered in spool.test.ts).
    await waitFor(() => pipeline.queues!.ready, { what: 'the producer connection' });
    redis = new RedisInspector(REDIS, prefix);
  });

  afterEach(async () => {
    await pipeline.onApplicationShutdown();
    await redis.cleanup();
    spool.remove();
  });

  it('enqueues each write into every endpoint queue whose filter takes its events, one job per endpoint, and logs every event', async () => {
    const push = pushEvent(1);
    const pull = builder.blobPulled(request('GET'), 'golden/app', { digest: push.target.digest!, size: 101 });
    const otherPush = pushEvent(2, 'other/app');
    await pipeline.broadcaster.write([push, pull]);
    await pipeline.broadcaster.write([otherPush]);

    expect(await redis.jobs('all')).toEqual([
      { id: `${push.id}..${pull.id}`, events: [push, pull] },
      { id: otherPush.id, events: [otherPush] },
    ]);
    expect(await redis.jobs('no pulls')).toEqual([push, otherPush].map((event) => ({ id: event.id, events: [event] })));
    expect(await redis.jobs('other')).toEqual([{ id: otherPush.id, events: [otherPush] }]);
    expect(await redis.client.keys(`${prefix}:deliver-off*`)).toEqual([]);
    expect((await redis.eventLog()).map((event) => event.id)).toEqual([push, pull, otherPush].map((event) => event.id));
    expect(pipeline.spool.pending).toBe(false);
  });

  it('adds nothing when the same group is enqueued again (a spool replay)', async () => {
    const events = [pushEvent(1), pushEvent(2)];
    await pipeline.broadcaster.write(events);
    const group = events.map((event) => ({ event, endpoints: pipeline.broadcaster.endpointsFor(event) }));
    await pipeline.queues!.enqueue([group]);
    await pipeline.queues!.enqueue([group]);
    for (const name of ['all', 'no pulls'])
      expect(await redis.jobs(name)).toEqual([{ id: `${events[0].id}..${events[1].id}`, events }]);
  });

  it('group-commits concurrent writes: one job per endpoint for the writes of one tick, and each later write waits for the commit in flight', async () => {
    const first = Array.from({ length: 20 }, (_, index) => pushEvent(index));
    const firstWrites = first.map((event) => pipeline.broadcaster.write([event]));
    // Handed in while the first commit is in flight: committed together by the second.
    await Promise.resolve();
    await Promise.resolve();
    const second = [pushEvent(100), pushEvent(101)];
    const secondWrites = second.map((event) => pipeline.broadcaster.write([event]));
    await Promise.all([...firstWrites, ...secondWrites]);
    expect(await redis.jobs('all')).toEqual([
      { id: `${first[0].id}..${first[19].id}`, events: first },
      { id: `${second[0].id}..${second[1].id}`, events: second },
    ]);
    expect((await redis.eventLog()).map((event) => event.id)).toEqual([...first, ...second].map((event) => event.id));
  });

  it('sends a batch (jobs for two endpoints plus the log entries) in one write, one round trip', async () => {
    await pipeline.broadcaster.write([pushEvent(0)]);
    const stream = pipeline.queues!.client.stream as unknown as { write: (...args: unknown[]) => boolean };
    const write = stream.write;
    let writes = 0;
    stream.write = function (this: unknown, ...args: unknown[]) {
      writes++;
      return write.apply(this, args);
    };
    try {
      const started = performance.now();
      await pipeline.broadcaster.write([pushEvent(1), pushEvent(2), pushEvent(3)]);
      const elapsed = performance.now() - started;
      console.log(
        `batch of 3 events x 2 endpoints + 3 log entries: ${writes} socket write(s), ${elapsed.toFixed(2)} ms`,
      );
    } finally {
      stream.write = write;
    }
    expect(writes).toBe(1);
    expect(await redis.jobs('all')).toHaveLength(2);
    expect(await redis.events('all')).toHaveLength(4);
  });
});
