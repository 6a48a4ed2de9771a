import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { RegistryConfig } from '@app/config';
import { StorageDriver } from './storage-driver.js';
import { openStorageDriver } from './create-storage-driver.js';

const OPENED = Symbol('opened storage driver');

/**
 * Provides the StorageDriver named by `storage` to every module of an app, opened (a bucket or pool that is not
 * there stops the start); `decorate` wraps it (the registry times every call for its metrics). The driver is
 * closed with the app.
 */
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(OPENED) private readonly driver: StorageDriver) {}

  static forRoot(
    config: RegistryConfig,
    decorate: (driver: StorageDriver) => StorageDriver = (driver) => driver,
    log?: (message: string) => void,
  ): DynamicModule {
    return {
      module: StorageModule,
      global: true,
      providers: [
        { provide: OPENED, useFactory: () => openStorageDriver(config.storage, log) },
        { provide: StorageDriver, useFactory: (driver: StorageDriver) => decorate(driver), inject: [OPENED] },
      ],
      exports: [StorageDriver],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.driver.close();
  }
}
