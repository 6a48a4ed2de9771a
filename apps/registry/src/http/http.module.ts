import { Module } from '@nestjs/common';
import { BaseController } from './base.controller.js';
import { RepositoryModule } from '../repository/repository.module.js';
import { BlobsController } from './blobs.controller.js';
import { UploadsController } from './uploads.controller.js';

/**
 * The OCI Distribution API. Controllers are thin: parse, call one repository service method, set status
 * and headers. Repository names reach them through `repositoryPaths`, which main.ts installs on the app.
 * Blob/upload and manifest/tag/catalog/referrers controllers are added to `controllers`.
 */
@Module({
  imports: [RepositoryModule],
  controllers: [BaseController, BlobsController, UploadsController],
})
export class HttpApiModule {}
