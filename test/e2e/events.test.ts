import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { HttpReceiver, tempDir, waitFor } from '@app/testing';
import {
  OciLayout,
  skopeo,
  startRegistry,
  startWorker,
  type AppProcess,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';

// The whole product as a user runs it: registry and worker processes, Redis, a webhook receiver, skopeo.
// Pushes and pulls become signed envelopes at the receiver; a worker killed with SIGKILL loses nothing.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const REDIS_ADDR = '127.0.0.1:6379';

interface WireEvent {
  id: string;
  action: string;
  target: { mediaType: string; digest: string; repository: string; tag?: string; url: string };
  request: { id: string; method: string };
}

describe('events end to end (registry + worker + Redis + receiver)', { timeout: 120_000 }, () => {
  const work = tempDir('e2e-events-');
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  let receiver: HttpReceiver;
  let registry: RegistryProcess;
  let worker: AppProcess;
  let layout: OciLayout;
  let images: BuiltImage[];
  let config: Record<string, unknown>;
  const events = () =>
    receiver.requests.flatMap((request) => (JSON.parse(request.body) as { events: WireEvent[] }).events);
  const pushedTags = () =>
    events()
      .filter((event) => event.action === 'push' && event.target.tag)
      .map((event) => event.target.tag);

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    layout = new OciLayout(join(work.path, 'layout'));
    images = [];
    for (const label of ['one', 'two']) {
      const image = await layout.addImage({ layerSizes: [1500, 9000], label });
      layout.tag(image.manifest, label);
      images.push(image);
    }
    config = {
      redis: { addr: REDIS_ADDR, prefix },
      notifications: { endpoints: [{ name: 'hook', url: receiver.url, timeout: '2s', secret: [SECRET] }] },
    };
    registry = await startRegistry({ config });
    worker = await startWorker({ config: { ...config, storage: registry.config.storage as Record<string, unknown> } });
  }, 60_000);

  afterAll(async () => {
    await worker?.dispose();
    await registry?.dispose();
    await receiver?.stop();
    const redis = new Redis(REDIS_ADDR);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    work.remove();
  });

  it('delivers a skopeo push as blob pushes then the tagged manifest push, signed (Standard Webhooks)', async () => {
    const [image] = images;
    await skopeo.copy(`oci:${layout.dir}:one`, `docker://${registry.host}/e2e/events:one`);
    await waitFor(() => pushedTags().includes('one'), { timeout: 20_000, what: 'the manifest push event' });
    const pushes = events().filter((event) => event.action === 'push');
    const blobDigests = pushes.filter((event) => !event.target.tag).map((event) => event.target.digest);
    expect(blobDigests).toEqual(
      expect.arrayContaining([image.config.digest, ...image.layers.map((layer) => layer.digest)]),
    );
    const manifest = pushes.find((event) => event.target.tag === 'one')!;
    expect(manifest.target).toMatchObject({
      digest: image.manifest.digest,
      repository: 'e2e/events',
      mediaType: image.manifest.mediaType,
    });
    expect(manifest.target.url).toBe(`${registry.url}/v2/e2e/events/manifests/${image.manifest.digest}`);
    const webhook = new Webhook(SECRET);
    for (const request of receiver.requests) {
      expect(request.headers['content-type']).toBe('application/vnd.docker.distribution.events.v1+json');
      expect(() => webhook.verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    }
    expect(new Set(events().map((event) => event.id)).size).toBe(events().length);
  });

  it('delivers pull events for a skopeo pull', async () => {
    const before = events().filter((event) => event.action === 'pull').length;
    await skopeo.copy(`docker://${registry.host}/e2e/events:one`, `oci:${join(work.path, 'pulled')}:one`);
    await waitFor(() => events().filter((event) => event.action === 'pull').length >= before + 3, {
      timeout: 20_000,
      what: 'pull events',
    });
    const pulls = events().filter(
      (event) => event.action === 'pull' && event.target.digest === images[0].manifest.digest,
    );
    expect(pulls.length).toBeGreaterThanOrEqual(1);
  });

  it('loses nothing when the worker is killed: events pushed meanwhile arrive after its restart', async () => {
    await worker.kill('SIGKILL');
    await skopeo.copy(`oci:${layout.dir}:two`, `docker://${registry.host}/e2e/events:two`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(pushedTags()).not.toContain('two');
    await worker.start();
    await waitFor(() => pushedTags().includes('two'), {
      timeout: 30_000,
      what: 'the push event after the worker restart',
    });
    const manifest = events().find((event) => event.target.tag === 'two')!;
    expect(manifest.target.digest).toBe(images[1].manifest.digest);
  });
});
