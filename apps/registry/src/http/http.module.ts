import { Module } from '@nestjs/common';
import { BaseController } from './base.controller.js';
import { BlobsController } from './blobs.controller.js';
import { UploadsController } from './uploads.controller.js';
import { ManifestsModule } from '../manifests/index.js';
import { ManifestsController } from './manifests.controller.js';
import { TagsController } from './tags.controller.js';
import { CatalogController } from './catalog.controller.js';
import { ReferrersController } from './referrers.controller.js';

/**
 * The OCI Distribution API. Controllers are thin: parse, call one repository service method, set status
 * and headers. Repository names reach them through `repositoryPaths`, which main.ts installs on the app.
 * Blob/upload and manifest/tag/catalog/referrers controllers are added to `controllers`. The repository
 * services come from the app's RepositoryModule (global, wired at the root).
 */
@Module({
  imports: [ManifestsModule],
  controllers: [
    BaseController,
    BlobsController,
    UploadsController,
    ManifestsController,
    TagsController,
    CatalogController,
    ReferrersController,
  ],
})
export class HttpApiModule {}
