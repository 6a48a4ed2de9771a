import type { BlobService, ManifestService, UploadService } from './repository.js';

/**
 * Wraps the repository services (distribution's listener pattern): the notifications area provides the
 * implementation that emits events after each successful call. The wrapped services keep every contract.
 */
export abstract class RepositoryDecorator {
  abstract blobs(inner: BlobService): BlobService;
  abstract uploads(inner: UploadService): UploadService;
  abstract manifests(inner: ManifestService): ManifestService;
}
