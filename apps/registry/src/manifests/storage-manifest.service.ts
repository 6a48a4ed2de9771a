import { Injectable, Optional } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { digestOf, parseDigest } from '@app/oci';
import { PathNotFoundError } from '@app/storage';
import { RegistryError } from '../errors/index.js';
import { BlobFence, NoBlobFence } from '../gc/blob-fence.js';
import { ManifestService, type RequestContext, type StoredManifest } from '../repository/index.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import { checkChildAccepted, defaultPlatformChild, negotiate } from './accept-policy.js';
import type { Descriptor } from './descriptor.js';
import { parseManifest, parseStoredManifest, type ParsedManifest } from './manifest-parser.js';
import { parseExistingReference, parseReference } from './manifest-reference.js';
import { ReferrersIndex } from './referrers-index.js';
import { TagStore } from './tag-store.js';

/** A manifest revision read from storage. */
export interface ManifestRevision {
  digest: string;
  content: Buffer;
  parsed: ParsedManifest;
}

/**
 * ManifestService over storage (distribution's manifestStore + tagStore): content goes to the blob store by
 * digest, a revision link makes it part of the repository, tag links name it. References are checked in the
 * repository before anything is written; the tag is linked last so it never points at a missing revision.
 */
@Injectable()
export class StorageManifestService extends ManifestService {
  constructor(
    private readonly config: RegistryConfig,
    private readonly blobs: BlobStore,
    private readonly links: LinkStore,
    private readonly tags: TagStore,
    private readonly referrers: ReferrersIndex,
    @Optional() private readonly fence: BlobFence = new NoBlobFence(),
  ) {
    super();
  }

  override async get(
    _ctx: RequestContext,
    repository: string,
    reference: string,
    accept: string[],
  ): Promise<StoredManifest> {
    const ref = parseExistingReference(reference);
    const digest = ref.digest ?? (await this.tags.resolve(repository, ref.tag));
    if (!digest) throw new RegistryError('MANIFEST_UNKNOWN', undefined, { tag: ref.tag });
    let revision = await this.revision(repository, digest);
    if (negotiate(revision.parsed.mediaType, accept, ref.tag !== undefined) === 'platform-child') {
      revision = await this.revision(repository, defaultPlatformChild(revision.content));
      checkChildAccepted(revision.parsed.mediaType, accept);
    }
    return stored(revision, ref.tag);
  }

  override async put(
    _ctx: RequestContext,
    repository: string,
    reference: string,
    contentType: string,
    content: Buffer,
    tags: readonly string[] = [],
  ): Promise<StoredManifest> {
    const ref = parseReference(reference);
    const parsed = parseManifest(content, contentType);
    const algorithm = ref.digest ? parseDigest(ref.digest)!.algorithm : 'sha256';
    const digest = digestOf(content, algorithm);
    if (ref.digest && ref.digest !== digest) {
      throw new RegistryError('DIGEST_INVALID', undefined, { reference: ref.digest, computed: digest });
    }
    // The content and every reference are fenced before they are checked (online collection).
    await this.fence.use([
      digest,
      ...parsed.blobs.map((blob) => blob.digest),
      ...parsed.manifests.map((m) => m.digest),
    ]);
    await this.verifyReferences(repository, parsed);
    await this.blobs.put(content, algorithm);
    await this.links.write(Paths.revisionLink(repository, digest), digest);
    if (parsed.subject) await this.referrers.add(repository, parsed.subject.digest, digest);
    const applied = [...new Set([...(ref.tag ? [ref.tag] : []), ...tags])];
    for (const tag of applied) await this.tags.tag(repository, tag, digest);
    return { ...stored({ digest, content, parsed }, ref.tag), tags: applied };
  }

  override async delete(
    _ctx: RequestContext,
    repository: string,
    reference: string,
  ): Promise<{ digest?: string; tags: string[] }> {
    if (!this.config.storage.delete.enabled)
      throw new RegistryError('UNSUPPORTED', 'deletes are disabled (storage.delete.enabled)');
    const ref = parseExistingReference(reference);
    if (ref.tag !== undefined) {
      if (!(await this.tags.untag(repository, ref.tag)))
        throw new RegistryError('MANIFEST_UNKNOWN', undefined, { tag: ref.tag });
      return { tags: [ref.tag] };
    }
    const revision = await this.revision(repository, ref.digest);
    await this.links.remove(Paths.revisionLink(repository, ref.digest));
    if (revision.parsed.subject) await this.referrers.remove(repository, revision.parsed.subject.digest, ref.digest);
    const tags = await this.tags.lookup(repository, ref.digest);
    for (const tag of tags) await this.tags.untag(repository, tag);
    return { digest: ref.digest, tags };
  }

  /** A revision of the repository with its content; MANIFEST_UNKNOWN when not linked here or gone. */
  async revision(repository: string, digest: string): Promise<ManifestRevision> {
    if (!(await this.links.exists(Paths.revisionLink(repository, digest)))) {
      throw new RegistryError('MANIFEST_UNKNOWN', undefined, { digest });
    }
    let content: Buffer;
    try {
      content = await this.blobs.getContent(digest);
    } catch (error) {
      if (error instanceof PathNotFoundError) throw new RegistryError('MANIFEST_UNKNOWN', undefined, { digest });
      throw error;
    }
    return { digest, content, parsed: parseStoredManifest(content) };
  }

  /** Every blob linked in the repository and every child a revision of it, else MANIFEST_BLOB_UNKNOWN. */
  private async verifyReferences(repository: string, parsed: ParsedManifest): Promise<void> {
    const [blobs, manifests] = await Promise.all([
      Promise.all(parsed.blobs.map((blob) => this.blobLinked(repository, blob))),
      Promise.all(parsed.manifests.map((child) => this.links.exists(Paths.revisionLink(repository, child.digest)))),
    ]);
    const missing = [
      ...parsed.blobs.filter((_b, i) => !blobs[i]),
      ...parsed.manifests.filter((_m, i) => !manifests[i]),
    ];
    if (missing.length > 0) {
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', undefined, {
        digest: missing[0].digest,
        missing: missing.slice(0, 20).map((entry) => entry.digest),
      });
    }
  }

  private async blobLinked(repository: string, blob: Descriptor): Promise<boolean> {
    if (!(await this.links.exists(Paths.layerLink(repository, blob.digest)))) return false;
    return (await this.blobs.stat(blob.digest)) !== undefined;
  }
}

function stored(revision: ManifestRevision, tag: string | undefined): StoredManifest {
  const { digest, content, parsed } = revision;
  return {
    descriptor: { digest, size: content.length, mediaType: parsed.mediaType },
    content,
    references: parsed.references,
    ...(tag === undefined ? {} : { tag }),
    ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
  };
}
