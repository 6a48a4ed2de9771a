import { Module } from '@nestjs/common';
import { BlobStore } from './blob-store.js';
import { LinkStore } from './link-store.js';
import { UploadPurger } from './upload-purger.js';

/**
 * The registry's view of storage: content-addressable blobs and links, over the StorageDriver that
 * StorageModule (@app/storage, imported by the app module) provides globally; and the upload purger.
 */
@Module({ providers: [BlobStore, LinkStore, UploadPurger], exports: [BlobStore, LinkStore] })
export class RegistryStorageModule {}
