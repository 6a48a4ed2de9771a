import { Module, type DynamicModule } from '@nestjs/common';
import type { RegistryConfig } from '@app/config';
import { StorageDriver } from './storage-driver.js';
import { createStorageDriver } from './create-storage-driver.js';

/** Provides the StorageDriver named by `storage` (filesystem or inmemory) to every module of an app. */
@Module({})
export class StorageModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: StorageModule,
      global: true,
      providers: [{ provide: StorageDriver, useFactory: () => createStorageDriver(config.storage) }],
      exports: [StorageDriver],
    };
  }
}
