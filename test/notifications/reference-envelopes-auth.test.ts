import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReceiver, tempDir, waitFor } from '@app/testing';
import type { Envelope, Event } from '@app/events';
import {
  OciLayout,
  skopeo,
  startRegistry,
  startWorker,
  type AppProcess,
  type RegistryProcess,
} from '../support/index.js';
import { DigestRoles, eventShape, sortedShapes } from './envelope-shape.js';

// The push-auth reference scenario: skopeo pushes with htpasswd credentials and `actor.name` is the user.
const captures = fileURLToPath(new URL('./fixtures/distribution-2.8.2-events/', import.meta.url));

describe('envelopes with htpasswd auth match distribution 2.8.2 (push-auth)', { timeout: 120_000 }, () => {
  const work = tempDir('reference-auth-');
  const prefix = `ref-auth-${randomUUID().slice(0, 8)}`;
  let receiver: HttpReceiver;
  let registry: RegistryProcess;
  let worker: AppProcess;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    const htpasswd = join(work.path, 'htpasswd');
    writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', 'harness', 'harness-password']));
    const endpoints = [{ name: 'harness', url: receiver.url, timeout: '2s', ordered: true }];
    const config = {
      redis: { addr: '127.0.0.1:6379', prefix },
      notifications: { events: { includereferences: true }, endpoints },
    };
    registry = await startRegistry({
      config: { ...config, auth: { htpasswd: { realm: 'harness-realm', path: htpasswd } } },
    });
    worker = await startWorker({ config: { ...config, storage: registry.config.storage as Record<string, unknown> } });
  }, 60_000);

  afterAll(async () => {
    await worker?.dispose();
    await registry?.dispose();
    await receiver?.stop();
    const redis = new Redis('127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    work.remove();
  });

  it('names the authenticated user in actor.name of every event', async () => {
    const layout = new OciLayout(join(work.path, 'layout'));
    layout.tag((await layout.addImage({ layerSizes: [1250], label: 'auth' })).manifest, 'v1');
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${registry.host}/golden/auth:v1`, [
      '--dest-creds',
      'harness:harness-password',
    ]);
    const theirs = (JSON.parse(readFileSync(join(captures, 'push-auth.json'), 'utf8')) as Envelope[]).flatMap(
      (envelope) => envelope.events,
    );
    const received = () => receiver.requests.flatMap((request) => (JSON.parse(request.body) as Envelope).events);
    await waitFor(() => received().length >= theirs.length, { timeout: 20_000, what: 'the push-auth events' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ours: Event[] = received();
    const [ourRoles, theirRoles] = [new DigestRoles(), new DigestRoles()];
    ourRoles.learn(ours);
    theirRoles.learn(theirs);
    expect(sortedShapes(ours, ourRoles)).toEqual(sortedShapes(theirs, theirRoles));
    expect(eventShape(ours.at(-1)!, ourRoles)).toEqual(eventShape(theirs.at(-1)!, theirRoles));
    expect(ours.map((event) => event.actor)).toEqual(theirs.map(() => ({ name: 'harness' })));
  });
});
