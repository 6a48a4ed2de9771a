import { Module } from '@nestjs/common';
import { RegistryStorageModule } from '../storage/index.js';
import { ReferrersIndex } from './referrers-index.js';
import { ReferrersService } from './referrers.service.js';
import { RepositoryListing } from './repository-listing.service.js';
import { StorageManifestService } from './storage-manifest.service.js';
import { TagStore } from './tag-store.js';

/**
 * Manifests, tags and referrers over storage. StorageManifestService is bound to the ManifestService token
 * (decorated) by the repository module; listing and referrers are read-only and used by the controllers as they are.
 */
@Module({
  imports: [RegistryStorageModule],
  providers: [TagStore, ReferrersIndex, StorageManifestService, RepositoryListing, ReferrersService],
  exports: [StorageManifestService, RepositoryListing, ReferrersService, TagStore, ReferrersIndex],
})
export class ManifestsModule {}
