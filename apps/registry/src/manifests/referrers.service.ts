import { Injectable } from '@nestjs/common';
import { MediaTypes } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { ReferrersIndex } from './referrers-index.js';
import { StorageManifestService } from './storage-manifest.service.js';

/** A descriptor of a referrer as the referrers API lists it. */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The OCI image index the referrers API answers with. */
export interface ReferrersResponse {
  schemaVersion: 2;
  mediaType: typeof MediaTypes.ociIndex;
  manifests: ReferrerDescriptor[];
}

/**
 * OCI 1.1 referrers: the manifests of a repository whose `subject` is a digest, as descriptors carrying
 * their artifactType (the manifest's, else its config's media type) and annotations. An unknown subject or
 * repository gives an empty index, as the spec asks. Revisions deleted since are skipped.
 */
@Injectable()
export class ReferrersService {
  constructor(
    private readonly index: ReferrersIndex,
    private readonly manifests: StorageManifestService,
  ) {}

  async list(repository: string, subject: string, artifactType?: string): Promise<ReferrersResponse> {
    const descriptors: ReferrerDescriptor[] = [];
    for (const digest of await this.index.list(repository, subject)) {
      const descriptor = await this.describe(repository, digest);
      if (!descriptor) continue;
      if (artifactType === undefined || descriptor.artifactType === artifactType) descriptors.push(descriptor);
    }
    return { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: descriptors };
  }

  private async describe(repository: string, digest: string): Promise<ReferrerDescriptor | undefined> {
    try {
      const { content, parsed } = await this.manifests.revision(repository, digest);
      const descriptor: ReferrerDescriptor = { mediaType: parsed.mediaType, digest, size: content.length };
      if (parsed.artifactType !== undefined) descriptor.artifactType = parsed.artifactType;
      if (parsed.annotations) descriptor.annotations = parsed.annotations;
      return descriptor;
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'MANIFEST_UNKNOWN') return undefined;
      throw error;
    }
  }
}
