import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReceiver, tempDir, waitFor } from '@app/testing';
import type { Envelope, Event } from '@app/events';
import {
  OciLayout,
  RegistryClient,
  skopeo,
  startRegistry,
  startWorker,
  type AppProcess,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';
import { DigestRoles, eventShape, sortedShapes } from './envelope-shape.js';

// The reference scenarios of shared/reference (distribution 2.8.2 driven by skopeo 1.9.3 and curl), replayed
// against our built registry and worker with the same repository names and tags; every envelope that reaches
// the receiver is compared field by field with the captured one (ids, timestamps, digests, sizes, addresses aside).
const captures = fileURLToPath(new URL('./fixtures/distribution-2.8.2-events/', import.meta.url));
const reference = (scenario: string): Event[] =>
  (JSON.parse(readFileSync(join(captures, `${scenario}.json`), 'utf8')) as Envelope[]).flatMap(
    (envelope) => envelope.events,
  );

describe('envelopes for the reference scenarios match distribution 2.8.2', { timeout: 180_000 }, () => {
  const work = tempDir('reference-');
  const prefix = `ref-${randomUUID().slice(0, 8)}`;
  const ours = new DigestRoles();
  const theirs = new DigestRoles();
  let receiver: HttpReceiver;
  let registry: RegistryProcess;
  let worker: AppProcess;
  let client: RegistryClient;
  let layout: OciLayout;
  let image: BuiltImage;
  let seen = 0;

  const received = (): Event[] => receiver.requests.flatMap((request) => (JSON.parse(request.body) as Envelope).events);

  /** Runs a scenario and returns the events it produced, waiting for as many as distribution sent (and a quiet spell). */
  async function scenario(name: string, run: () => Promise<unknown>): Promise<{ ours: Event[]; theirs: Event[] }> {
    const expected = reference(name);
    await run();
    await waitFor(() => received().length >= seen + expected.length, {
      timeout: 20_000,
      what: `${expected.length} events of ${name}`,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const produced = received().slice(seen);
    seen += produced.length;
    ours.learn(produced);
    theirs.learn(expected);
    return { ours: produced, theirs: expected };
  }

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    layout = new OciLayout(join(work.path, 'layout'));
    image = await layout.addImage({ layerSizes: [1250, 4300], label: 'app' });
    layout.tag(image.manifest, 'v1');
    const children = [
      await layout.addImage({ layerSizes: [1250], label: 'amd64' }),
      await layout.addImage({ layerSizes: [1250], platform: { architecture: 'arm64', os: 'linux' }, label: 'arm64' }),
    ];
    layout.tag(layout.addIndex(children.map((child) => child.manifest)), 'multi');
    layout.tag((await layout.addImage({ layerSizes: [1250, 2270], label: 'docker' })).manifest, 'v2s2');
    const endpoints = [
      {
        name: 'harness',
        url: receiver.url,
        timeout: '2s',
        ordered: true,
        headers: { Authorization: ['Bearer harness-secret-token'] },
      },
    ];
    const config = {
      redis: { addr: '127.0.0.1:6379', prefix },
      notifications: { events: { includereferences: true }, endpoints },
    };
    registry = await startRegistry({ config });
    worker = await startWorker({ config: { ...config, storage: registry.config.storage as Record<string, unknown> } });
    client = new RegistryClient(registry.url);
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

  it('push: blob pushes, then the tagged manifest push with references; envelopes as distribution writes them', async () => {
    const events = await scenario('push', () =>
      skopeo.copy(`oci:${layout.dir}:v1`, `docker://${registry.host}/golden/app:v1`),
    );
    expect(sortedShapes(events.ours, ours)).toEqual(sortedShapes(events.theirs, theirs));
    expect(eventShape(events.ours.at(-1)!, ours)).toEqual(eventShape(events.theirs.at(-1)!, theirs));
    for (const request of receiver.requests) {
      expect(request.headers['content-type']).toBe('application/vnd.docker.distribution.events.v1+json');
      expect(request.headers.authorization).toBe('Bearer harness-secret-token');
      expect(request.body).toBe(JSON.stringify(JSON.parse(request.body), null, 3));
      expect((JSON.parse(request.body) as Envelope).events).toHaveLength(1);
    }
  });

  it('pull-head: every successful HEAD is a pull, with the tag only when asked by tag', async () => {
    const events = await scenario('pull-head', async () => {
      await client.head(`/v2/golden/app/manifests/v1`, { accept: image.manifest.mediaType });
      await client.head(`/v2/golden/app/manifests/${image.manifest.digest}`, { accept: image.manifest.mediaType });
      await client.head(`/v2/golden/app/blobs/${image.layers[0].digest}`);
    });
    expect(events.ours.map((event) => eventShape(event, ours))).toEqual(
      events.theirs.map((event) => eventShape(event, theirs)),
    );
  });

  it('pull: the manifest pull by tag, then the blob pulls', async () => {
    const events = await scenario('pull', () =>
      skopeo.copy(`docker://${registry.host}/golden/app:v1`, `oci:${join(work.path, 'pulled')}:v1`),
    );
    expect(sortedShapes(events.ours, ours)).toEqual(sortedShapes(events.theirs, theirs));
    expect(eventShape(events.ours[0], ours)).toEqual(eventShape(events.theirs[0], theirs));
  });

  it('no-events: /v2/, catalog, tags list, HEAD of an unknown blob, upload start and cancel', async () => {
    const before = received().length;
    await client.fetch('/v2/');
    await client.fetch('/v2/_catalog');
    await client.fetch('/v2/golden/app/tags/list');
    await client.head(`/v2/golden/app/blobs/sha256:${'0'.repeat(64)}`);
    const started = await client.fetch('/v2/golden/app/blobs/uploads/', { method: 'POST' });
    const location = started.headers.get('location')!;
    await client.fetch(location.replace(/^https?:\/\/[^/]+/, ''), { method: 'DELETE' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(received().slice(before)).toEqual([]);
  });

  it('repush under a new tag: HEAD pulls of the existing blobs, then the manifest push', async () => {
    layout.tag(image.manifest, 'v1-again');
    const events = await scenario('repush', () =>
      skopeo.copy(`oci:${layout.dir}:v1-again`, `docker://${registry.host}/golden/app:v1-again`),
    );
    expect(sortedShapes(events.ours, ours)).toEqual(sortedShapes(events.theirs, theirs));
    expect(eventShape(events.ours.at(-1)!, ours)).toEqual(eventShape(events.theirs.at(-1)!, theirs));
  });

  it('mount: cross-repository copy gives mount events with fromRepository', async () => {
    const events = await scenario('mount', () =>
      skopeo.copy(`docker://${registry.host}/golden/app:v1`, `docker://${registry.host}/golden/mirror:v1`),
    );
    expect(sortedShapes(events.ours, ours)).toEqual(sortedShapes(events.theirs, theirs));
  });

  it('delete by digest: the digest, then one delete per tag that pointed at it, without url or mediaType', async () => {
    const events = await scenario('delete', () =>
      client.fetch(`/v2/golden/mirror/manifests/${image.manifest.digest}`, { method: 'DELETE' }),
    );
    expect(events.ours.map((event) => eventShape(event, ours))).toEqual(
      events.theirs.map((event) => eventShape(event, theirs)),
    );
  });

  it('delete blob', async () => {
    const events = await scenario('delete-blob', () =>
      client.fetch(`/v2/golden/mirror/blobs/${image.layers[0].digest}`, { method: 'DELETE' }),
    );
    expect(events.ours.map((event) => eventShape(event, ours))).toEqual(
      events.theirs.map((event) => eventShape(event, theirs)),
    );
  });

  it('push-index: children pushed before the tagged index', async () => {
    const events = await scenario('push-index', () =>
      skopeo.copy(`oci:${layout.dir}:multi`, `docker://${registry.host}/golden/multi:multi`, ['--all']),
    );
    expect(sortedShapes(events.ours, ours)).toEqual(sortedShapes(events.theirs, theirs));
    expect(eventShape(events.ours.at(-1)!, ours)).toEqual(eventShape(events.theirs.at(-1)!, theirs));
  });

  it('push-v2s2: Docker schema2 manifest', async () => {
    const events = await scenario('push-v2s2', () =>
      skopeo.copy(`oci:${layout.dir}:v2s2`, `docker://${registry.host}/golden/docker:v2s2`, ['--format', 'v2s2']),
    );
    expect(sortedShapes(events.ours, ours)).toEqual(sortedShapes(events.theirs, theirs));
  });

  it('push-v2s2-list: a Docker manifest list, blobs mounted from golden/multi', async () => {
    const events = await scenario('push-v2s2-list', () =>
      skopeo.copy(`oci:${layout.dir}:multi`, `docker://${registry.host}/golden/dlist:multi`, [
        '--all',
        '--format',
        'v2s2',
      ]),
    );
    expect(sortedShapes(events.ours, ours)).toEqual(sortedShapes(events.theirs, theirs));
    expect(eventShape(events.ours.at(-1)!, ours)).toEqual(eventShape(events.theirs.at(-1)!, theirs));
  });

  it('push of a manifest whose layer has annotations: the references carry them, sorted and HTML-escaped', async () => {
    // Not among the captures: distribution 2.8.2 was driven the same way on 2026-12-07 and wrote
    // "annotations": {"alpha.key": "a\u003cb", "zeta.key": "z"} in the layer's reference (see envelope.spec.ts).
    const manifest = JSON.parse(readFileSync(layout.blobPath(image.manifest.digest), 'utf8')) as {
      layers: { annotations?: Record<string, string> }[];
    };
    manifest.layers[1]!.annotations = { 'zeta.key': 'z', 'alpha.key': 'a<b' };
    layout.tag(layout.addJson(manifest, image.manifest.mediaType), 'annotated');
    await skopeo.copy(`oci:${layout.dir}:annotated`, `docker://${registry.host}/golden/annotated:annotated`);
    await waitFor(
      () =>
        received()
          .slice(seen)
          .some((event) => event.target.tag === 'annotated'),
      { timeout: 20_000, what: 'the annotated manifest push' },
    );
    const body = receiver.requests.map((request) => request.body).find((text) => text.includes('"tag": "annotated"'))!;
    seen = received().length;
    expect(body).toContain(
      '"annotations": {\n                     "alpha.key": "a\\u003cb",\n                     "zeta.key": "z"\n                  }',
    );
    const push = (JSON.parse(body) as Envelope).events[0]!;
    expect(push.target.references?.map((reference) => reference.annotations)).toEqual([
      undefined,
      undefined,
      { 'alpha.key': 'a<b', 'zeta.key': 'z' },
    ]); // config, layers
  });

  // delete-by-tag is left out on purpose: distribution 2.8.2 refuses it (no events), OCI 1.1 allows it and we
  // emit `delete {repository, tag}` (covered in listening-services.spec.ts).
});
