import { Global, Module } from '@nestjs/common';
import { BlobService, ManifestService, RepositoryDecorator, UploadService } from './repository/index.js';
import { RegistryStorageModule } from './storage/index.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { StorageBlobService, StorageUploadService, UploadStore } from './blobs/index.js';
import { ManifestsModule, StorageManifestService } from './manifests/index.js';

/**
 * The repository services, wired here at the app's root because they join areas: the storage
 * implementations (blobs, manifests), each exported under its abstract token (repository/) wrapped by the
 * RepositoryDecorator (notifications), so the controllers get the decorated service. Global, as the
 * config and the storage driver are: the http area injects the tokens and imports no wiring from above.
 */
@Global()
@Module({
  imports: [RegistryStorageModule, NotificationsModule, ManifestsModule],
  providers: [
    UploadStore,
    StorageBlobService,
    StorageUploadService,
    {
      provide: BlobService,
      useFactory: (inner: BlobService, decorator: RepositoryDecorator) => decorator.blobs(inner),
      inject: [StorageBlobService, RepositoryDecorator],
    },
    {
      provide: UploadService,
      useFactory: (inner: UploadService, decorator: RepositoryDecorator) => decorator.uploads(inner),
      inject: [StorageUploadService, RepositoryDecorator],
    },
    {
      provide: ManifestService,
      useFactory: (inner: ManifestService, decorator: RepositoryDecorator) => decorator.manifests(inner),
      inject: [StorageManifestService, RepositoryDecorator],
    },
  ],
  exports: [BlobService, UploadService, ManifestService],
})
export class RepositoryModule {}
