import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisServer, tempDir, waitFor } from '@app/testing';
import type { Event } from '@app/events';
import { deliveryJobId } from '@app/queue';
import { NotificationPipeline } from '../../apps/registry/src/notifications/notification-pipeline.js';
import { RepositoryListener } from '../../apps/registry/src/notifications/repository-listener.js';
import {
  blob,
  CommittingUploads,
  builder,
  endpoint,
  pushEvent,
  RedisInspector,
  silentLogger,
  testConfig,
  uniquePrefix,
} from './support.js';

const ctx = (index: number) => ({
  id: `req-${index}`,
  addr: '127.0.0.1:40000',
  host: 'reg:5000',
  method: 'PUT',
  useragent: 'test',
  baseUrl: 'http://reg:5000',
});

const spoolLines = (dir: string) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.spool') || file.endsWith('.flushing'))
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean));

describe('spool: Redis down and back', () => {
  let redisServer: RedisServer;
  let prefix: string;
  let spool: ReturnType<typeof tempDir>;
  let redis: RedisInspector;
  const pipelines: NotificationPipeline[] = [];

  const startPipeline = async () => {
    const config = testConfig({
      redisAddr: redisServer.addr,
      prefix,
      spooldir: spool.path,
      endpoints: [endpoint('a'), endpoint('b', { ignore: { actions: ['pull'] } })],
    });
    const pipeline = new NotificationPipeline(config, silentLogger);
    await pipeline.onApplicationBootstrap();
    pipelines.push(pipeline);
    return pipeline;
  };

  beforeAll(async () => {
    redisServer = await RedisServer.start();
  });

  afterAll(async () => {
    await redisServer.stop();
  });

  beforeEach(async () => {
    prefix = uniquePrefix();
    spool = tempDir('spool-');
    await redisServer.restart();
    redis = new RedisInspector(redisServer.addr, prefix);
  });

  afterEach(async () => {
    for (const pipeline of pipelines.splice(0)) await pipeline.onApplicationShutdown();
    await redisServer.restart();
    await redis.cleanup();
    spool.remove();
  });

  it('keeps serving fast while Redis is down, spools (fsync) and later enqueues every event exactly once, in order', async () => {
    const pipeline = await startPipeline();
    const uploads = new RepositoryListener(builder, pipeline.broadcaster, silentLogger).uploads(
      new CommittingUploads(),
    );
    await waitFor(() => pipeline.queues!.ready, { what: 'the producer connection' });
    const before = [pushEvent(1), pushEvent(2)];
    await pipeline.broadcaster.write(before);
    expect(spoolLines(spool.path)).toEqual([]);
    await redisServer.kill();

    const durations: number[] = [];
    for (let index = 10; index < 40; index++) {
      const started = performance.now();
      await uploads.commit(ctx(index), 'golden/app', 'u', blob(index).digest);
      durations.push(performance.now() - started);
    }
    durations.sort((x, y) => x - y);
    console.log(
      `decorated commit with Redis down: median ${durations[15].toFixed(2)} ms, max ${durations[29].toFixed(2)} ms (30 calls)`,
    );
    // Not a benchmark: a call that waited on Redis would take the connect/enqueue timeout (250 ms or more).
    expect(durations[29]).toBeLessThan(250);

    const spooled = spoolLines(spool.path).flatMap(
      (line) => JSON.parse(line) as { event: Event; endpoints: string[] }[],
    );
    expect(spooled).toHaveLength(30);
    expect(spooled.map((item) => item.event.target.digest)).toEqual(
      Array.from({ length: 30 }, (_, offset) => blob(10 + offset).digest),
    );
    expect(spooled[0].endpoints).toEqual(['a', 'b']);
    expect(pipeline.spool.pending).toBe(true);

    await redisServer.restart();
    await waitFor(() => !pipeline.spool.pending, { timeout: 15_000, what: 'the spool to drain' });
    await pipeline.flusher!.idle();

    const expected = [
      ...before.map((event) => event.target.digest),
      ...spooled.map((item) => item.event.target.digest),
    ];
    for (const name of ['a', 'b']) {
      const jobs = await redis.jobs(name);
      expect(jobs.flatMap((job) => job.events.map((event) => event.target.digest))).toEqual(expected);
      expect(jobs.every((job) => job.id === deliveryJobId(job.events))).toBe(true);
    }
    expect((await redis.eventLog()).map((event) => event.target.digest)).toEqual(expected);
    expect(spoolLines(spool.path)).toEqual([]);

    const after = pushEvent(99);
    await pipeline.broadcaster.write([after]);
    expect((await redis.jobs('a')).at(-1)?.id).toBe(after.id);
    expect(spoolLines(spool.path)).toEqual([]);
  });

  it('stops waiting on a hung Redis after enqueuetimeout, spools, and delivers each job once when Redis resumes', async () => {
    const pipeline = await startPipeline();
    await waitFor(() => pipeline.queues!.ready, { what: 'the producer connection' });
    const pid = Number(/process_id:(\d+)/.exec(await redis.client.info('server'))![1]);
    process.kill(pid, 'SIGSTOP');
    const events = Array.from({ length: 5 }, (_, index) => pushEvent(index));
    const durations: number[] = [];
    try {
      for (const event of events) {
        const started = performance.now();
        await pipeline.broadcaster.write([event]);
        durations.push(performance.now() - started);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    console.log(`writes with Redis stopped (SIGSTOP): ${durations.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    // The first write waits for the enqueue timeout (250 ms); the rest go straight to the spool behind it.
    expect(durations[0]).toBeGreaterThanOrEqual(240);
    expect(Math.max(...durations.slice(1))).toBeLessThan(240);
    expect(spoolLines(spool.path)).toHaveLength(5);

    await waitFor(() => !pipeline.spool.pending, { timeout: 15_000, what: 'the spool to drain' });
    await pipeline.flusher!.idle();
    for (const name of ['a', 'b'])
      expect((await redis.jobs(name)).map((job) => job.id)).toEqual(events.map((event) => event.id));
    // The event log is at-least-once: the timed-out write may have landed too (same event id).
    expect([...new Set((await redis.eventLog()).map((event) => event.id))]).toEqual(events.map((event) => event.id));
  });

  it('flushes a spool left by a stopped registry when the next one starts', async () => {
    await redisServer.kill();
    const first = await startPipeline();
    const events = Array.from({ length: 10 }, (_, index) => pushEvent(index));
    for (const event of events) await first.broadcaster.write([event]);
    await first.onApplicationShutdown();
    pipelines.splice(pipelines.indexOf(first), 1);
    expect(spoolLines(spool.path)).toHaveLength(10);

    await redisServer.restart();
    const second = await startPipeline();
    await waitFor(() => !second.spool.pending, { timeout: 15_000, what: 'the spool to drain at start' });
    await second.flusher!.idle();
    expect((await redis.jobs('a')).map((job) => job.id)).toEqual(events.map((event) => event.id));
    expect((await redis.eventLog()).map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('after a crash mid-flush replays the unfinished file, then the newer one, without duplicate jobs or torn lines', async () => {
    const events = Array.from({ length: 6 }, (_, index) => pushEvent(index));
    const line = (event: Event) => `${JSON.stringify({ event, endpoints: ['a', 'b'] })}\n`;
    // What a crash leaves: events 0-3 were being flushed (0 and 1 already in Redis), 4-5 newer, then a torn write.
    await redis.queue('a').add('deliver', { events: [events[0]] }, { jobId: events[0].id });
    await redis.queue('a').add('deliver', { events: [events[1]] }, { jobId: events[1].id });
    const base = join(spool.path, `events-${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}_5999`);
    writeFileSync(`${base}.flushing`, events.slice(0, 4).map(line).join(''));
    writeFileSync(`${base}.spool`, events.slice(4).map(line).join('') + line(pushEvent(50)).slice(0, 40));

    const pipeline = await startPipeline();
    await waitFor(() => !pipeline.spool.pending, { timeout: 15_000, what: 'the spool to drain at start' });
    await pipeline.flusher!.idle();
    expect((await redis.jobs('a')).map((job) => job.id)).toEqual(events.map((event) => event.id));
    expect((await redis.jobs('b')).map((job) => job.id)).toEqual(events.map((event) => event.id));
    expect(spoolLines(spool.path)).toEqual([]);
  });
});
