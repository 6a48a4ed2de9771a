import { Module } from '@nestjs/common';
import { BlobService, ManifestService, RepositoryDecorator, UploadService } from './index.js';
import { RegistryStorageModule } from '../storage/index.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { StorageBlobService, StorageUploadService, UploadStore } from '../blobs/index.js';
import { ManifestsModule, StorageManifestService } from '../manifests/index.js';

/**
 * The repository services: the storage implementations, each exported under its abstract token wrapped
 * by the RepositoryDecorator (notifications), so the controllers get the decorated service.
 */
@Module({
  imports: [RegistryStorageModule, NotificationsModule, ManifestsModule],
  providers: [
    UploadStore,
    StorageBlobService,
    StorageUploadService,
    { provide: BlobService, useFactory: (inner: BlobService, decorator: RepositoryDecorator) => decorator.blobs(inner), inject: [StorageBlobService, RepositoryDecorator] },
    { provide: UploadService, useFactory: (inner: UploadService, decorator: RepositoryDecorator) => decorator.uploads(inner), inject: [StorageUploadService, RepositoryDecorator] },
    { provide: ManifestService, useFactory: (inner: ManifestService, decorator: RepositoryDecorator) => decorator.manifests(inner), inject: [StorageManifestService, RepositoryDecorator] },
  ],
  exports: [BlobService, UploadService, ManifestService],
})
export class RepositoryModule {}
