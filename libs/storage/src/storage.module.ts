import { Module, type DynamicModule } from '@nestjs/common';
import type { RegistryConfig } from '@app/config';
import { StorageDriver } from './storage-driver.js';
import { createStorageDriver } from './create-storage-driver.js';

/**
 * Provides the StorageDriver named by `storage` (filesystem or inmemory) to every module of an app;
 * `decorate` wraps it (the registry times every call for its metrics).
 */
@Module({})
export class StorageModule {
  static forRoot(
    config: RegistryConfig,
    decorate: (driver: StorageDriver) => StorageDriver = (driver) => driver,
  ): DynamicModule {
    return {
      module: StorageModule,
      global: true,
      providers: [{ provide: StorageDriver, useFactory: () => decorate(createStorageDriver(config.storage)) }],
      exports: [StorageDriver],
    };
  }
}
