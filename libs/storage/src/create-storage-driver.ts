import type { StorageConfig } from '@app/config';
import { FilesystemDriver } from './filesystem.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';
import type { StorageDriver } from './storage-driver.js';

/**
 * The driver that `storage` names. filesystem.rootdirectory is resolved against the working directory (as
 * distribution does) and created when missing.
 */
export function createStorageDriver(storage: StorageConfig): StorageDriver {
  switch (storage.driver) {
    case 'inmemory':
      return new InMemoryDriver();
    case 'filesystem':
      return new FilesystemDriver(storage.filesystem?.rootdirectory ?? '/var/lib/registry');
    default:
      throw new Error(`unknown storage driver ${String(storage.driver)}`);
  }
}
