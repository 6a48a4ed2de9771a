import { Module } from '@nestjs/common';
import { BlobStore } from './blob-store.js';
import { LinkStore } from './link-store.js';

/**
 * The registry's view of storage: content-addressable blobs and links, over the StorageDriver that
 * StorageModule (@app/storage, imported by the app module) provides globally.
 */
@Module({ providers: [BlobStore, LinkStore], exports: [BlobStore, LinkStore] })
export class RegistryStorageModule {}
