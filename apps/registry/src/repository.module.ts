import { Global, Module } from '@nestjs/common';
import { BlobService, ManifestService, RepositoryDecorator, UploadService } from './repository/index.js';
import { RegistryStorageModule } from './storage/index.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { StorageBlobService, StorageUploadService, UploadStore } from './blobs/index.js';
import { ManifestsModule, StorageManifestService } from './manifests/index.js';
import { ProxyCache } from './proxy/index.js';

/**
 * The repository services, wired here at the app's root because they join areas: the storage
 * implementations (blobs, manifests), wrapped by the pull-through cache (proxy/: cached repositories),
 * each exported under its abstract token (repository/) wrapped by the RepositoryDecorator (notifications),
 * so the controllers get the decorated service. Global, as the
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
      useFactory: (inner: BlobService, proxy: ProxyCache, decorator: RepositoryDecorator) =>
        decorator.blobs(proxy.blobs(inner)),
      inject: [StorageBlobService, ProxyCache, RepositoryDecorator],
    },
    {
      provide: UploadService,
      useFactory: (inner: UploadService, proxy: ProxyCache, decorator: RepositoryDecorator) =>
        decorator.uploads(proxy.uploads(inner)),
      inject: [StorageUploadService, ProxyCache, RepositoryDecorator],
    },
    {
      provide: ManifestService,
      useFactory: (inner: ManifestService, proxy: ProxyCache, decorator: RepositoryDecorator) =>
        decorator.manifests(proxy.manifests(inner)),
      inject: [StorageManifestService, ProxyCache, RepositoryDecorator],
    },
  ],
  exports: [BlobService, UploadService, ManifestService],
})
export class RepositoryModule {}
