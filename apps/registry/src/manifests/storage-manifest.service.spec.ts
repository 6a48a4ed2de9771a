import { describe, expect, it } from 'vitest';
import { fromObject } from '@app/config';
import { digestOf } from '@app/oci';
import { InMemoryDriver } from '@app/storage';
import { RegistryError } from '../errors/index.js';
import type { RequestContext } from '../repository/index.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import { ReferrersIndex } from './referrers-index.js';
import { StorageManifestService } from './storage-manifest.service.js';
import { TagStore } from './tag-store.js';

const ctx: RequestContext = {
  id: 'r',
  addr: '127.0.0.1:1',
  host: 'reg',
  method: 'PUT',
  useragent: 't',
  baseUrl: 'http://reg',
};
const OCI = 'application/vnd.oci.image.manifest.v1+json';

function setup(deleteEnabled = true) {
  const driver = new InMemoryDriver();
  const links = new LinkStore(driver);
  const blobs = new BlobStore(driver);
  const config = fromObject({ version: '0.1', storage: { inmemory: {}, delete: { enabled: deleteEnabled } } });
  const service = new StorageManifestService(config, blobs, links, new TagStore(links), new ReferrersIndex(links));
  /** Stores a blob and links it into `repo`, as an upload would. */
  const blob = async (repo: string, content: string, mediaType: string) => {
    const { digest, size } = await blobs.put(Buffer.from(content));
    await links.write(Paths.layerLink(repo, digest), digest);
    return { mediaType, digest, size };
  };
  return { driver, links, service, blob };
}

async function image(env: ReturnType<typeof setup>, repo: string, seed: string, extra: Record<string, unknown> = {}) {
  const config = await env.blob(repo, `{"seed":"${seed}"}`, 'application/vnd.oci.image.config.v1+json');
  const layer = await env.blob(repo, `layer ${seed}`, 'application/vnd.oci.image.layer.v1.tar+gzip');
  const content = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI, config, layers: [layer], ...extra }));
  return { content, config, layer, digest: digestOf(content) };
}

describe('StorageManifestService', () => {
  it('put by tag: returns descriptor, references (config then layers) and tag; writes revision, tag current and index links', async () => {
    const env = setup();
    const { content, config, layer, digest } = await image(env, 'a/b', '1');
    const stored = await env.service.put(ctx, 'a/b', 'v1', OCI, content);
    expect(stored).toEqual({
      descriptor: { digest, size: content.length, mediaType: OCI },
      content,
      references: [config, layer],
      tag: 'v1',
      tags: ['v1'],
    });
    expect(await env.links.read(Paths.revisionLink('a/b', digest))).toBe(digest);
    expect(await env.links.read(Paths.tagCurrentLink('a/b', 'v1'))).toBe(digest);
    expect(await env.links.read(Paths.tagIndexLink('a/b', 'v1', digest))).toBe(digest);
  });

  it('a refused put writes nothing (no blob, no revision, no tag)', async () => {
    const env = setup();
    const { content, digest } = await image(env, 'a/b', '1');
    await expect(env.service.put(ctx, 'c/d', 'v1', OCI, content)).rejects.toMatchObject({
      code: 'MANIFEST_BLOB_UNKNOWN',
      status: 400,
    });
    expect(await env.links.exists(Paths.revisionLink('c/d', digest))).toBe(false);
    expect(await env.links.exists(Paths.tagCurrentLink('c/d', 'v1'))).toBe(false);
    await expect(env.driver.stat(Paths.blobData(digest))).rejects.toThrow();
  });

  it('delete by digest returns the digest and every tag that pointed at it (for one event per tag); tags elsewhere stay', async () => {
    const env = setup();
    const first = await image(env, 'a/b', '1');
    const second = await image(env, 'a/b', '2');
    for (const tag of ['v1', 'latest', 'stable']) await env.service.put(ctx, 'a/b', tag, OCI, first.content);
    await env.service.put(ctx, 'a/b', 'v2', OCI, second.content);
    await env.service.put(ctx, 'a/b', 'stable', OCI, second.content);
    expect(await env.service.delete(ctx, 'a/b', first.digest)).toEqual({
      digest: first.digest,
      tags: ['latest', 'v1'],
    });
    expect(await new TagStore(env.links).list('a/b')).toEqual(['stable', 'v2']);
  });

  it('delete by tag returns only that tag and no digest', async () => {
    const env = setup();
    const { content } = await image(env, 'a/b', '1');
    await env.service.put(ctx, 'a/b', 'v1', OCI, content);
    expect(await env.service.delete(ctx, 'a/b', 'v1')).toEqual({ tags: ['v1'] });
    await expect(env.service.delete(ctx, 'a/b', 'v1')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
  });

  it('deletes disabled: UNSUPPORTED before anything else', async () => {
    const env = setup(false);
    await expect(env.service.delete(ctx, 'a/b', 'not a tag!')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      status: 405,
    });
  });

  it('subject: put links the referrer and reports the subject; delete unlinks it', async () => {
    const env = setup();
    const subject = { mediaType: OCI, digest: `sha256:${'5'.repeat(64)}`, size: 3 };
    const { content, digest } = await image(env, 'a/b', '1', { subject });
    const stored = await env.service.put(ctx, 'a/b', digest, OCI, content);
    expect(stored.subject).toBe(subject.digest);
    expect(stored.tag).toBeUndefined();
    const index = new ReferrersIndex(env.links);
    expect(await index.list('a/b', subject.digest)).toEqual([digest]);
    await env.service.delete(ctx, 'a/b', digest);
    expect(await index.list('a/b', subject.digest)).toEqual([]);
  });

  it('get by tag carries the tag; errors are RegistryErrors', async () => {
    const env = setup();
    const { content, digest } = await image(env, 'a/b', '1');
    await env.service.put(ctx, 'a/b', 'v1', OCI, content);
    expect(await env.service.get(ctx, 'a/b', 'v1', [OCI])).toMatchObject({ tag: 'v1', descriptor: { digest } });
    expect((await env.service.get(ctx, 'a/b', digest, [OCI])).tag).toBeUndefined();
    await expect(env.service.get(ctx, 'a/b', 'v2', [OCI])).rejects.toBeInstanceOf(RegistryError);
  });
});
