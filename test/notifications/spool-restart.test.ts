import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReceiver, RedisServer, tempDir, waitFor } from '@app/testing';
import type { Envelope, Event } from '@app/events';
import {
  OciLayout,
  skopeo,
  startRegistry,
  startWorker,
  type AppProcess,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';

// Processes as users run them: Redis (our own, AOF) is down while skopeo pushes; the registry keeps serving,
// spools the events, is stopped with them still spooled, and flushes them when it starts again with Redis back.
describe(
  'registry with Redis down: pushes served, events spooled, flushed after a registry restart',
  { timeout: 180_000 },
  () => {
    const work = tempDir('spool-restart-');
    const prefix = `spool-${randomUUID().slice(0, 8)}`;
    let redis: RedisServer;
    let receiver: HttpReceiver;
    let registry: RegistryProcess;
    let worker: AppProcess | undefined;
    let layout: OciLayout;
    let image: BuiltImage;
    let config: Record<string, unknown>;

    beforeAll(async () => {
      redis = await RedisServer.start();
      receiver = await HttpReceiver.start();
      layout = new OciLayout(join(work.path, 'layout'));
      image = await layout.addImage({ layerSizes: [2000, 6000], label: 'spooled' });
      layout.tag(image.manifest, 'v1');
      config = {
        redis: { addr: redis.addr, prefix },
        notifications: {
          spooldir: join(work.path, 'spool'),
          endpoints: [{ name: 'hook', url: receiver.url, timeout: '2s', ordered: true }],
        },
      };
      registry = await startRegistry({ config });
    }, 60_000);

    afterAll(async () => {
      await worker?.dispose();
      await registry?.dispose();
      await receiver?.stop();
      await redis?.stop();
      work.remove();
    });

    it('delivers every event of pushes made while Redis was down, once, in order', async () => {
      await redis.kill();
      await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${registry.host}/spooled/app:v1`);
      await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${registry.host}/spooled/app:v1-again`);
      await registry.stop();
      const spooled = readdirSync(join(work.path, 'spool')).flatMap((file) =>
        readFileSync(join(work.path, 'spool', file), 'utf8')
          .split('\n')
          .filter(Boolean),
      );
      expect(spooled.length).toBeGreaterThanOrEqual(5);

      await redis.restart();
      await registry.start();
      worker = await startWorker({
        config: { ...config, storage: registry.config.storage as Record<string, unknown> },
      });
      const received = () => receiver.requests.flatMap((request) => (JSON.parse(request.body) as Envelope).events);
      const tags = () =>
        received().flatMap((event: Event) => (event.action === 'push' && event.target.tag ? [event.target.tag] : []));
      await waitFor(() => tags().includes('v1-again'), {
        timeout: 30_000,
        what: 'the spooled manifest push of v1-again',
      });
      await new Promise((resolve) => setTimeout(resolve, 500));

      const events = received();
      expect(tags()).toEqual(['v1', 'v1-again']);
      const blobPushes = events
        .filter((event) => event.action === 'push' && !event.target.tag)
        .map((event) => event.target.digest);
      expect(blobPushes.sort()).toEqual([image.config.digest, ...image.layers.map((layer) => layer.digest)].sort());
      expect(events.at(-1)).toMatchObject({
        action: 'push',
        target: { tag: 'v1-again', digest: image.manifest.digest },
      });
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    });
  },
);
