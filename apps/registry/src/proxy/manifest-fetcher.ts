import { digestOf, MANIFEST_MEDIA_TYPES, parseDigest } from '@app/oci';
import { MAX_MANIFEST_SIZE, parseManifest, ReferrersIndex, TagStore } from '../manifests/index.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import type { ProxiedRepository } from './proxy-remotes.js';
import { header, type UpstreamResponse } from './upstream-client.js';
import { UpstreamError } from './upstream-error.js';
import type { Upstreams } from './upstreams.js';

/** Every manifest type we serve, so that the upstream answers a tag with the digest we would serve. */
const ACCEPT = { accept: MANIFEST_MEDIA_TYPES.join(', ') };

/**
 * Manifests from an upstream into a cached repository: `current` asks which digest a tag points at (a
 * HEAD), `fetch` GETs a manifest, checks its digest and that it parses, and stores it as a revision of the
 * repository (and the tag) without the reference checks of a push: its blobs are fetched when pulled.
 */
export class ManifestFetcher {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly blobs: BlobStore,
    private readonly links: LinkStore,
    private readonly tags: TagStore,
    private readonly referrers: ReferrersIndex,
  ) {}

  /** True when the manifest is a revision of the repository (cached) and its content is stored. */
  async isRevision(repository: string, digest: string): Promise<boolean> {
    if (!(await this.links.exists(Paths.revisionLink(repository, digest)))) return false;
    return (await this.blobs.stat(digest)) !== undefined;
  }

  /** The digest the tag points at upstream; undefined when the upstream's HEAD does not say. */
  async current(proxied: ProxiedRepository, tag: string): Promise<string | undefined> {
    const answer = await this.send(proxied, 'HEAD', tag);
    await answer.body.dump();
    const digest = header(answer.headers, 'docker-content-digest');
    return digest && parseDigest(digest) ? digest : undefined;
  }

  /** GETs `reference` (a digest, or a tag then linked to what it got) and stores it; returns its digest. */
  async fetch(proxied: ProxiedRepository, reference: string, tag?: string): Promise<string> {
    const answer = await this.send(proxied, 'GET', reference);
    const content = await readLimited(answer);
    // By digest, that digest; by tag, the one the upstream announces (Docker-Content-Digest), if it does.
    const announced = header(answer.headers, 'docker-content-digest');
    const wanted = parseDigest(reference) ? reference : announced && parseDigest(announced) ? announced : undefined;
    const expected = wanted ? parseDigest(wanted) : undefined;
    const digest = digestOf(content, expected?.algorithm ?? 'sha256');
    if (wanted && digest !== wanted) {
      throw new UpstreamError('invalid', `manifest ${reference} hashes to ${digest}, not ${wanted}`);
    }
    let subject: string | undefined;
    try {
      subject = parseManifest(content, header(answer.headers, 'content-type')).subject?.digest;
    } catch (error) {
      throw new UpstreamError('invalid', `manifest ${reference}: ${(error as Error).message}`);
    }
    const { repository } = proxied;
    // Content and revision link together (a revision counts only once its content is there), the tag last.
    await Promise.all([
      this.blobs.put(content, expected?.algorithm ?? 'sha256'),
      this.links.write(Paths.revisionLink(repository, digest), digest),
    ]);
    if (subject) await this.referrers.add(repository, subject, digest);
    if (tag) await this.tags.tag(repository, tag, digest);
    return digest;
  }

  private send(proxied: ProxiedRepository, method: 'GET' | 'HEAD', reference: string): Promise<UpstreamResponse> {
    const path = `/v2/${proxied.upstream}/manifests/${reference}`;
    return this.upstreams.client(proxied.remote).send(method, path, proxied.upstream, ACCEPT);
  }
}

async function readLimited(answer: UpstreamResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_MANIFEST_SIZE) {
      answer.body.destroy();
      throw new UpstreamError('invalid', `manifest larger than ${MAX_MANIFEST_SIZE} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
