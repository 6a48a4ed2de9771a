import { Module } from '@nestjs/common';
import { BlobService, RepositoryDecorator, UploadService } from './index.js';
import { RegistryStorageModule } from '../storage/index.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { StorageBlobService, StorageUploadService, UploadStore } from '../blobs/index.js';

/**
 * The repository services: the storage implementations, each exported under its abstract token wrapped
 * by the RepositoryDecorator (notifications), so the controllers get the decorated service.
 */
@Module({
  imports: [RegistryStorageModule, NotificationsModule],
  providers: [
    UploadStore,
    StorageBlobService,
    StorageUploadService,
    { provide: BlobService, useFactory: (inner: BlobService, decorator: RepositoryDecorator) => decorator.blobs(inner), inject: [StorageBlobService, RepositoryDecorator] },
    { provide: UploadService, useFactory: (inner: UploadService, decorator: RepositoryDecorator) => decorator.uploads(inner), inject: [StorageUploadService, RepositoryDecorator] },
  ],
  exports: [BlobService, UploadService],
})
export class RepositoryModule {}
