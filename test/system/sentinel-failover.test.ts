import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach, RedisSentinel, RedisServer, waitFor } from '@app/testing';
import { startRegistry, startWorker } from '../support/index.js';
import { ImageSet } from './images.js';
import { QUICK_SCHEDULE } from './system-harness.js';
import { WebhookSink } from './webhook-sink.js';

// Redis Sentinel as processes (`npm run build` first): one master, one replica, three sentinels on loopback;
// a registry and a worker that know only the sentinels (redis.sentinels + redis.mastername), the registry with
// redis.minreplicas 1. The master is killed (SIGKILL) in the middle of a push: every push still succeeds (what no
// replica confirmed is in the spool too), the sentinels promote the replica, both apps find it by themselves,
// and every pushed tag's event arrives.

const cleanups = cleanupAfterEach(afterEach);

describe('system: Redis Sentinel failover during pushes', () => {
  it('loses no accepted event; registry and worker follow the new master', async () => {
    const master = await RedisServer.start();
    cleanups.push(() => master.stop());
    const replica = await RedisServer.start({ replicaOf: master.port });
    cleanups.push(() => replica.stop());
    const sentinels = await Promise.all([1, 2, 3].map(() => RedisSentinel.start(master.port, 'registry')));
    for (const sentinel of sentinels) cleanups.push(() => sentinel.stop());
    const images = await ImageSet.build(10);
    cleanups.push(() => images.remove());
    const sink = await WebhookSink.start('ok');
    cleanups.push(() => sink.stop());
    const sentinelAddrs = sentinels.map((sentinel) => sentinel.addr);
    const redis = { sentinels: sentinelAddrs, mastername: 'registry', minreplicas: 1, prefix: 'sys' };
    const endpoints = [{ name: 'hook', url: sink.url, timeout: '1s', schedule: QUICK_SCHEDULE }];
    const log = { level: 'info', formatter: 'json', accesslog: { disabled: true } };
    const registry = await startRegistry({ config: { log, redis, notifications: { endpoints } } });
    cleanups.push(() => registry.dispose());
    const worker = await startWorker({ config: registry.config });
    cleanups.push(() => worker.dispose());

    const tags: string[] = [];
    for (let index = 0; index < images.images.length; index++) {
      // The master dies while this push is on its way.
      const killing = index === 3 ? master.kill('SIGKILL') : undefined;
      await images.push(registry, index);
      await killing;
      tags.push(`img-${index}`);
    }
    await waitFor(async () => (await sentinels[0].masterPort()) === replica.port, {
      timeout: 20_000,
      what: 'the replica promoted',
    });
    // The old master comes back; the sentinels make it the new master's replica, and WAIT is satisfied again.
    await master.restart();
    await waitFor(
      () => {
        const delivered = new Set(sink.events().map((event) => event.target.tag));
        return tags.every((tag) => delivered.has(tag));
      },
      { timeout: 60_000, interval: 200, what: `a push event of each of ${tags.length} tags at the sink` },
    );
    expect(registry.running && worker.running).toBe(true);
  }, 150_000);
});
