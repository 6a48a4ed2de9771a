import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { EventBuilder, type Event } from '@app/events';
import {
  BlobService,
  ManifestService,
  type BlobDescriptor,
  type RequestContext,
  type ServedBlob,
  type StoredManifest,
} from '../repository/index.js';
import { CommittingUploads } from '../../../../test/notifications/support.js';
import { EventSink } from './event-sink.js';
import { RepositoryListener } from './repository-listener.js';

const digest = (char: string) => `sha256:${char.repeat(64)}`;
const layer: BlobDescriptor = {
  digest: digest('a'),
  size: 1252,
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
const config: BlobDescriptor = {
  digest: digest('c'),
  size: 604,
  mediaType: 'application/vnd.oci.image.config.v1+json',
};
const manifest: StoredManifest = {
  descriptor: { digest: digest('e'), size: 625, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
  content: Buffer.from('{}'),
  references: [config, layer],
};
const ctx = (method: string, actor?: string): RequestContext => ({
  id: `req-${method}`,
  addr: '127.0.0.1:50106',
  host: 'reg:5000',
  method,
  useragent: 'skopeo/1.9.3',
  baseUrl: 'http://reg:5000',
  actor,
});

class CollectingSink extends EventSink {
  readonly events: Event[] = [];
  writes = 0;
  failWith?: Error;
  override async write(events: readonly Event[]): Promise<void> {
    this.writes++;
    if (this.failWith) throw this.failWith;
    this.events.push(...events);
  }
}

/** Inner services that succeed, or fail with `error` when it is set. */
class FakeBlobs extends BlobService {
  error?: Error;
  async serve(_ctx: RequestContext, _repo: string, _digest: string, options: { head: boolean }): Promise<ServedBlob> {
    if (this.error) throw this.error;
    return { descriptor: layer, body: options.head ? undefined : Readable.from([]) };
  }
  async delete(): Promise<void> {
    if (this.error) throw this.error;
  }
  async mount(
    _ctx: RequestContext,
    _repo: string,
    _digest: string,
    from?: string,
  ): Promise<BlobDescriptor | undefined> {
    if (this.error) throw this.error;
    return from === 'nowhere' ? undefined : layer;
  }
}

/** The shared committing fake, but every commit yields `layer` and can be made to fail. */
class FakeUploads extends CommittingUploads {
  error?: Error;
  override async commit(): Promise<BlobDescriptor> {
    if (this.error) throw this.error;
    return layer;
  }
  override async putMonolithic(): Promise<BlobDescriptor> {
    if (this.error) throw this.error;
    return layer;
  }
}

class FakeManifests extends ManifestService {
  error?: Error;
  deleted: { digest?: string; tags: string[] } = { digest: manifest.descriptor.digest, tags: ['v1', 'latest'] };
  async get(_ctx: RequestContext, _repo: string, reference: string): Promise<StoredManifest> {
    if (this.error) throw this.error;
    return reference.startsWith('sha256:') ? manifest : { ...manifest, tag: reference };
  }
  async put(_ctx: RequestContext, _repo: string, reference: string): Promise<StoredManifest> {
    if (this.error) throw this.error;
    return reference.startsWith('sha256:') ? manifest : { ...manifest, tag: reference };
  }
  async delete(): Promise<{ digest?: string; tags: string[] }> {
    if (this.error) throw this.error;
    return this.deleted;
  }
}

function setup(includeReferences = true) {
  const sink = new CollectingSink();
  const builder = new EventBuilder({ source: { addr: 'vm:5000', instanceID: 'instance' }, includeReferences });
  const listener = new RepositoryListener(builder, sink, pino({ level: 'silent' }));
  const inner = { blobs: new FakeBlobs(), uploads: new FakeUploads(), manifests: new FakeManifests() };
  return {
    sink,
    inner,
    blobs: listener.blobs(inner.blobs),
    uploads: listener.uploads(inner.uploads),
    manifests: listener.manifests(inner.manifests),
  };
}

const summary = (events: Event[]) =>
  events.map((event) => [
    event.action,
    event.request.method,
    event.target.repository,
    event.target.digest ?? '-',
    event.target.tag ?? '-',
    event.target.fromRepository ?? '-',
  ]);

describe('RepositoryListener', () => {
  it('emits blob push on upload commit and on a monolithic upload', async () => {
    const { sink, uploads } = setup();
    await uploads.start(ctx('POST'), 'golden/app');
    await uploads.append(ctx('PATCH'), 'golden/app', 'u1', Readable.from([]));
    await uploads.status(ctx('GET'), 'golden/app', 'u1');
    expect(sink.events).toEqual([]);
    await uploads.commit(ctx('PUT'), 'golden/app', 'u1', layer.digest);
    await uploads.putMonolithic(ctx('POST'), 'golden/app', layer.digest, Readable.from([]));
    expect(summary(sink.events)).toEqual([
      ['push', 'PUT', 'golden/app', layer.digest, '-', '-'],
      ['push', 'POST', 'golden/app', layer.digest, '-', '-'],
    ]);
    expect(sink.events[0].target).toEqual({
      mediaType: 'application/octet-stream',
      size: 1252,
      digest: layer.digest,
      length: 1252,
      repository: 'golden/app',
      url: `http://reg:5000/v2/golden/app/blobs/${layer.digest}`,
    });
    expect(sink.events[0].request).toEqual({
      id: 'req-PUT',
      addr: '127.0.0.1:50106',
      host: 'reg:5000',
      method: 'PUT',
      useragent: 'skopeo/1.9.3',
    });
    expect(sink.events[0].source).toEqual({ addr: 'vm:5000', instanceID: 'instance' });
  });

  it('emits nothing for upload start, cancel and status', async () => {
    const { sink, uploads } = setup();
    await uploads.start(ctx('POST'), 'a');
    await uploads.cancel(ctx('DELETE'), 'a', 'u1');
    expect(sink.writes).toBe(0);
  });

  it('emits manifest push after put, with the tag when put by tag and references when configured', async () => {
    const { sink, manifests } = setup();
    await manifests.put(ctx('PUT', 'alice'), 'golden/app', 'v1', manifest.descriptor.mediaType, manifest.content);
    await manifests.put(
      ctx('PUT'),
      'golden/app',
      manifest.descriptor.digest,
      manifest.descriptor.mediaType,
      manifest.content,
    );
    expect(summary(sink.events)).toEqual([
      ['push', 'PUT', 'golden/app', manifest.descriptor.digest, 'v1', '-'],
      ['push', 'PUT', 'golden/app', manifest.descriptor.digest, '-', '-'],
    ]);
    const [first] = sink.events;
    expect(first.actor).toEqual({ name: 'alice' });
    expect(first.target.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(first.target.url).toBe(`http://reg:5000/v2/golden/app/manifests/${manifest.descriptor.digest}`);
    expect(first.target.references).toEqual([
      { mediaType: config.mediaType, size: 604, digest: config.digest },
      { mediaType: layer.mediaType, size: 1252, digest: layer.digest },
    ]);
    expect(sink.events[1].actor).toEqual({});
  });

  it('leaves references out without includereferences', async () => {
    const { sink, manifests } = setup(false);
    await manifests.get(ctx('GET'), 'golden/app', 'v1', []);
    expect(sink.events[0].target.references).toBeUndefined();
  });

  it('emits pull on manifest GET and HEAD (tag only when asked by tag) and on blob GET and HEAD', async () => {
    const { sink, manifests, blobs } = setup();
    await manifests.get(ctx('GET'), 'golden/app', 'v1', []);
    await manifests.get(ctx('HEAD'), 'golden/app', manifest.descriptor.digest, []);
    await blobs.serve(ctx('GET'), 'golden/app', layer.digest, { head: false });
    await blobs.serve(ctx('HEAD'), 'golden/app', layer.digest, { head: true });
    expect(summary(sink.events)).toEqual([
      ['pull', 'GET', 'golden/app', manifest.descriptor.digest, 'v1', '-'],
      ['pull', 'HEAD', 'golden/app', manifest.descriptor.digest, '-', '-'],
      ['pull', 'GET', 'golden/app', layer.digest, '-', '-'],
      ['pull', 'HEAD', 'golden/app', layer.digest, '-', '-'],
    ]);
    expect(sink.events[2].target.mediaType).toBe('application/octet-stream');
  });

  it('emits mount with fromRepository, and nothing when the blob could not be mounted', async () => {
    const { sink, blobs } = setup();
    await blobs.mount(ctx('POST'), 'golden/mirror', layer.digest, 'golden/app');
    await blobs.mount(ctx('POST'), 'golden/mirror', layer.digest, 'nowhere');
    expect(summary(sink.events)).toEqual([['mount', 'POST', 'golden/mirror', layer.digest, '-', 'golden/app']]);
    expect(sink.events[0].target.url).toBe(`http://reg:5000/v2/golden/mirror/blobs/${layer.digest}`);
  });

  it('emits delete for the digest, then one per removed tag, all of one request', async () => {
    const { sink, manifests, blobs } = setup();
    await manifests.delete(ctx('DELETE'), 'golden/mirror', manifest.descriptor.digest);
    await blobs.delete(ctx('DELETE'), 'golden/mirror', layer.digest);
    expect(summary(sink.events)).toEqual([
      ['delete', 'DELETE', 'golden/mirror', manifest.descriptor.digest, '-', '-'],
      ['delete', 'DELETE', 'golden/mirror', '-', 'v1', '-'],
      ['delete', 'DELETE', 'golden/mirror', '-', 'latest', '-'],
      ['delete', 'DELETE', 'golden/mirror', layer.digest, '-', '-'],
    ]);
    expect(sink.events[0].target).toEqual({ digest: manifest.descriptor.digest, repository: 'golden/mirror' });
    expect(sink.events[1].target).toEqual({ repository: 'golden/mirror', tag: 'v1' });
    expect(new Set(sink.events.slice(0, 3).map((event) => event.request.id)).size).toBe(1);
    expect(sink.writes).toBe(2);
  });

  it('emits delete {repository, tag} for a delete by tag', async () => {
    const { sink, manifests, inner } = setup();
    inner.manifests.deleted = { tags: ['v1'] };
    await manifests.delete(ctx('DELETE'), 'golden/app', 'v1');
    expect(summary(sink.events)).toEqual([['delete', 'DELETE', 'golden/app', '-', 'v1', '-']]);
  });

  it('emits nothing when the inner call fails, and passes its error through', async () => {
    const { sink, inner, blobs, uploads, manifests } = setup();
    const error = new Error('inner failure');
    inner.blobs.error = inner.uploads.error = inner.manifests.error = error;
    await expect(blobs.serve(ctx('GET'), 'a', layer.digest, { head: false })).rejects.toBe(error);
    await expect(blobs.mount(ctx('POST'), 'a', layer.digest, 'b')).rejects.toBe(error);
    await expect(blobs.delete(ctx('DELETE'), 'a', layer.digest)).rejects.toBe(error);
    await expect(uploads.commit(ctx('PUT'), 'a', 'u1', layer.digest)).rejects.toBe(error);
    await expect(uploads.putMonolithic(ctx('POST'), 'a', layer.digest, Readable.from([]))).rejects.toBe(error);
    await expect(manifests.get(ctx('GET'), 'a', 'v1', [])).rejects.toBe(error);
    await expect(manifests.put(ctx('PUT'), 'a', 'v1', 'x', Buffer.from(''))).rejects.toBe(error);
    await expect(manifests.delete(ctx('DELETE'), 'a', 'v1')).rejects.toBe(error);
    expect(sink.writes).toBe(0);
  });

  it('never lets a notification failure reach the client', async () => {
    const { sink, manifests } = setup();
    sink.failWith = new Error('sink broken');
    await expect(manifests.put(ctx('PUT'), 'golden/app', 'v1', 'x', Buffer.from(''))).resolves.toMatchObject({
      tag: 'v1',
    });
    expect(sink.writes).toBe(1);
  });

  it('hands the events of one operation to the sink after the inner call resolved', async () => {
    const { sink, inner, uploads } = setup();
    const order: string[] = [];
    inner.uploads.commit = async () => {
      order.push('inner');
      return layer;
    };
    const write = sink.write.bind(sink);
    sink.write = async (events) => {
      order.push('sink');
      await write(events);
    };
    await uploads.commit(ctx('PUT'), 'a', 'u1', layer.digest);
    expect(order).toEqual(['inner', 'sink']);
  });
});
