import { Global, Module } from '@nestjs/common';
import { ManifestsModule } from '../manifests/index.js';
import { RegistryStorageModule } from '../storage/index.js';
import { ProxyCache } from './proxy-cache.js';
import { ProxyTagListing } from './proxy-tag-listing.js';

/** The pull-through cache: ProxyCache for the repository module's wiring, its tags listing for the controller. */
@Global()
@Module({
  imports: [RegistryStorageModule, ManifestsModule],
  providers: [
    ProxyCache,
    { provide: ProxyTagListing, useFactory: (cache: ProxyCache) => cache.tags, inject: [ProxyCache] },
  ],
  exports: [ProxyCache, ProxyTagListing],
})
export class ProxyModule {}
